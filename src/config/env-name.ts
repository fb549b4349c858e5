/** Environment variables are how keys reach voicebench; these name them. */

/** What an environment variable's name may be: the form shells and CI systems agree on. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Why `value` is not an environment variable's name; never echoes the value, which may be the key itself. */
export function envNameProblem(value: string): string | undefined {
  if (ENV_NAME.test(value)) return undefined;
  const dollar = /^\$\{?([A-Z_][A-Z0-9_]*)\}?$/.exec(value);
  if (dollar) return `write the variable's name without "$": ${dollar[1]}`;
  return 'expected the name of an environment variable (capitals, digits and _, like GROQ_API_KEY), not the key itself; API keys are read only from the environment';
}

