/**
 * Keeps API keys out of everything voicebench prints or writes: error messages, provider
 * responses echoed into a report, logs. Keys only ever come from the environment, so the
 * environment says what to look for.
 */

/**
 * Shorter values are not real API keys, and replacing them would garble ordinary words: `local`
 * or `x` is the usual key for a server that checks none (voicebench serve, Ollama).
 */
export const MIN_SECRET_CHARS = 8;

/** Variables whose names say they hold a secret. */
const SECRET_NAME = /_(KEY|TOKEN|SECRET)$/i;

/** The ways a value shows up in text: as is, URL-encoded, and escaped inside a JSON string. */
function writtenForms(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Key variables a provider config names (apiKeyEnv), whatever they are called: always redacted. */
const keyVariables = new Set<string>();

export function rememberKeyVariables(names: Iterable<string>): void {
  for (const name of names) keyVariables.add(name);
}

/**
 * Replaces every value of the named environment variables (and any value of env vars whose name
 * ends in _KEY, _TOKEN or _SECRET) found in `text` with "[redacted $NAME]"; values shorter than
 * MIN_SECRET_CHARS are left alone. A value found in several variables is labelled with the first
 * of `names`, else the first such variable.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv, names: readonly string[] = []): string {
  names = [...names, ...keyVariables];
  const labelOf = new Map<string, string>();
  const consider = (name: string): void => {
    const value = env[name];
    if (value === undefined || value.length < MIN_SECRET_CHARS) return;
    for (const form of writtenForms(value)) if (!labelOf.has(form)) labelOf.set(form, name);
  };
  for (const name of names) consider(name);
  for (const name of Object.keys(env).sort()) if (SECRET_NAME.test(name)) consider(name);
  if (labelOf.size === 0) return text;
  // one pass, longest first: a value that contains another is replaced whole, and a replacement is never searched again
  const forms = [...labelOf.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, (found) => `[redacted $${labelOf.get(found) ?? '?'}]`);
}
