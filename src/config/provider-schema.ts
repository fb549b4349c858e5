/**
 * The provider config file (docs/providers.md) as one zod schema, plus the rule that keeps API
 * keys out of it. Every object is strict, so a misspelt key is an error rather than a silently
 * ignored setting. Rules that depend on another key (openai needs baseUrl, flite only speaks)
 * are refinements on the stage, run even when another key of the stage is wrong, so that every
 * problem is listed at once.
 */
import { z } from 'zod';
import { FLITE_VOICES, isFliteVoice } from '../audio/flite.js';
import { didYouMean } from '../input/did-you-mean.js';
import { fieldExpectations, numberIn } from '../input/expectations.js';
import { formatPath, shown, type Problem } from '../input/issues.js';
import { isMapping } from '../input/yaml-file.js';
import { targetsSchema } from './target-schema.js';
import { envNameProblem } from './env-name.js';

export { ENV_NAME, envNameProblem } from './env-name.js';

export const STAGE_NAMES = ['stt', 'llm', 'tts'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_PROVIDER_KINDS = ['sim', 'openai', 'flite'] as const;

export const MAX_TIMEOUT_MS = 600_000;
export const MAX_RETRIES_LIMIT = 10;

/** Keys that only openai stages read. */
const OPENAI_ONLY_KEYS = ['baseUrl', 'model', 'apiKeyEnv'] as const;

/** A URL a provider can be reached at, or the reason it cannot; never echoes credentials. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http:// or https:// URL, like http://127.0.0.1:8787/v1, got ${shown(value)}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'the URL holds credentials (user:password@); API keys are read only from the environment: remove them and name the variable in "apiKeyEnv"';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected an http:// or https:// URL, like http://127.0.0.1:8787/v1, got ${shown(value)}`;
  return undefined;
}

function stageRules(stage: StageName, value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const problem = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', message, path, input: undefined });
  const provider = value['provider'];
  if (provider === 'flite' && stage !== 'tts') {
    problem(['provider'], `flite is a text-to-speech engine: it can run only the tts stage; ${stage} can be sim or openai`);
  }
  if (provider === 'openai' && value['baseUrl'] === undefined) {
    problem([], 'missing required key "baseUrl": provider openai needs the server, like https://api.openai.com/v1 or http://127.0.0.1:8787/v1 (voicebench serve)');
  }
  if (typeof value['baseUrl'] === 'string') {
    const urlProblem = httpUrlProblem(value['baseUrl']);
    if (urlProblem !== undefined) problem(['baseUrl'], urlProblem);
  }
  if (typeof value['apiKeyEnv'] === 'string') {
    const nameProblem = envNameProblem(value['apiKeyEnv']);
    if (nameProblem !== undefined) problem(['apiKeyEnv'], nameProblem);
  }
  if (provider === 'sim' || provider === 'flite') {
    for (const key of OPENAI_ONLY_KEYS) {
      if (value[key] !== undefined) problem([key], `"${key}" applies only to provider openai; ${stage} runs ${provider}`);
    }
  }
  const voice = value['voice'];
  if (voice !== undefined) {
    if (stage !== 'tts') problem(['voice'], '"voice" applies only to the tts stage');
    else if (provider === 'sim') problem(['voice'], '"voice" applies to provider openai or flite; the sim tts has none');
    else if (provider === 'flite' && typeof voice === 'string' && voice !== '' && !isFliteVoice(voice)) {
      problem(['voice'], `expected a flite voice: ${FLITE_VOICES.join(', ')}, got ${shown(voice)}${didYouMean(voice, FLITE_VOICES)}`);
    }
  }
}

const nonEmpty = (): z.ZodString => z.string().min(1).register(fieldExpectations, { expects: 'a non-empty string' });

function stageSchema(stage: StageName) {
  return z
    .strictObject({
      provider: z.enum(STAGE_PROVIDER_KINDS).describe('sim: simulated (follows --profile). openai: any OpenAI-compatible server. flite (tts only): offline, in process.'),
      baseUrl: z
        .string()
        .register(fieldExpectations, { expects: 'an http:// or https:// URL, like http://127.0.0.1:8787/v1' })
        .optional()
        .describe('openai: the server, e.g. http://127.0.0.1:8787/v1. Required for openai.'),
      model: nonEmpty().optional().describe('openai: the model. Default: whisper-1 (stt), gpt-4o-mini (llm), tts-1 (tts).'),
      voice: nonEmpty().optional().describe(`tts: the voice. Default: alloy (openai), slt (flite: one of ${FLITE_VOICES.join(', ')}).`),
      apiKeyEnv: z
        .string()
        .register(fieldExpectations, { expects: 'the name of an environment variable, like GROQ_API_KEY' })
        .optional()
        .describe('openai: the NAME of the environment variable holding the key. Default: OPENAI_API_KEY.'),
      timeoutMs: numberIn({ min: 0, minExclusive: true, max: MAX_TIMEOUT_MS }).optional().describe('Per request. Default: 30000.'),
      maxRetries: numberIn({ integer: true, min: 0, max: MAX_RETRIES_LIMIT }).optional().describe('On 429, 5xx and connection errors. Default: 2.'),
    })
    .superRefine((value, ctx) => stageRules(stage, value, ctx), { when: (payload) => isMapping(payload.value) })
    .register(fieldExpectations, { expects: `a mapping like { provider: openai, baseUrl: http://127.0.0.1:8787/v1 }` });
}

export const providerConfigSchema = z.strictObject({
  targets: targetsSchema.optional(),
  stt: stageSchema('stt').optional(),
  llm: stageSchema('llm').optional(),
  tts: stageSchema('tts').optional(),
  errorRate: z
    .strictObject({
      max: numberIn({ min: 0, max: 1 }).register(fieldExpectations, { expects: 'a share from 0 to 1 (0.25: a quarter of the turns)' }).optional().describe('Stop the run once this share of turns has failed. Default: 0.5.'),
      minTurns: numberIn({ integer: true, min: 1 }).optional().describe('...after at least this many turns. Default: 4.'),
    })
    .optional(),
});

export type ProviderConfigFile = z.output<typeof providerConfigSchema>;

/** A key name that would hold a secret: apiKey, api_key, key, token, accessToken, secret, password… but not apiKeyEnv. */
export function isSecretKeyName(key: string): boolean {
  const name = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (name.endsWith('env')) return false;
  return /keys?$/.test(name) || /token|secret|passw|bearer|authoriz|credential/.test(name);
}

function secretProblem(path: readonly PropertyKey[], key: string): Problem {
  const stage = path.length === 1 && (STAGE_NAMES as readonly PropertyKey[]).includes(path[0] as PropertyKey) ? String(path[0]) : undefined;
  const where = stage === undefined ? 'each openai stage (stt, llm, tts)' : stage;
  return {
    where: formatPath([...path, key]),
    message: `API keys are read only from the environment, never from a file: remove "${key}" and set "apiKeyEnv" in ${where} to the NAME of the variable that holds the key (default OPENAI_API_KEY)`,
    path: [...path, key],
  };
}

const TEMPLATED_KEYS: ReadonlySet<string> = new Set(['headers', 'customParameters']);

/**
 * Finds keys that would hold a secret (at the top level and in each stage), and returns the
 * document without them: the schema would call them unknown keys and suggest "apiKeyEnv" as a
 * spelling, when the problem is where the key lives.
 */
export function withoutSecretKeys(data: Record<string, unknown>): { data: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const strip = (mapping: Record<string, unknown>, path: PropertyKey[]): Record<string, unknown> => {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(mapping)) {
      if (isSecretKeyName(key)) problems.push(secretProblem(path, key));
      // a target's headers and parameters are named as the agent names them; their values are checked to come from the environment
      else if (TEMPLATED_KEYS.has(key) && path[0] === 'targets') kept[key] = value;
      else kept[key] = isMapping(value) ? strip(value, [...path, key]) : value;
    }
    return kept;
  };
  return { data: strip(data, []), problems };
}
