/**
 * Who runs each stage of the pipeline: the provider config file (docs/providers.md), the run
 * flags merged over it, and the check that every key it names is in the environment. API keys
 * live only in the environment; this module handles their variables' names, never their values.
 */
import { rememberKeyVariables } from './redact.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FliteVoice } from '../audio/flite.js';
import { assertNever, InputError } from '../errors.js';
import { describeIssues, formatProblem, type Problem } from '../input/issues.js';
import { inFileOrder, isMapping, readYamlFile, type InputFileKind } from '../input/yaml-file.js';
import type { TargetEntry } from './target-schema.js';
import { envNameProblem, httpUrlProblem, providerConfigSchema, STAGE_NAMES, withoutSecretKeys, type ProviderConfigFile, type StageName } from './provider-schema.js';

export { STAGE_NAMES, type StageName } from './provider-schema.js';

/** One stage's provider. `sim`: the simulated provider (follows --profile). `openai`: any OpenAI-compatible server. `flite` (tts only): the in-process flite engine. */
export type StageProviderKind = 'sim' | 'openai' | 'flite';

/**
 * One stage's provider and its settings. Every function here returns stages with each default
 * that applies to the provider filled in: openai stages have baseUrl, model, apiKeyEnv (and, for
 * tts, voice); flite has voice; every stage has timeoutMs and maxRetries.
 */
export interface StageConfig {
  provider: StageProviderKind;
  /** openai: required (http/https URL), e.g. http://127.0.0.1:8787/v1. */
  baseUrl?: string;
  /** openai: default stt whisper-1, llm gpt-4o-mini, tts tts-1. */
  model?: string;
  /** tts: default alloy (openai) / slt (flite: one of kal, kal16, awb, rms, slt). */
  voice?: string;
  /** openai: the NAME of the environment variable holding the key; default OPENAI_API_KEY. */
  apiKeyEnv?: string;
  /** Per request; default 30000; > 0 and ≤ 600000. */
  timeoutMs?: number;
  /** On 429, 5xx and connection errors; default 2; a whole number 0..10. */
  maxRetries?: number;
}

export interface ProviderConfig {
  stt: StageConfig;
  llm: StageConfig;
  tts: StageConfig;
  /** Stop the run (exit 3) once this share of turns has failed, after at least `minTurns` turns. */
  errorRate: { max: number; minTurns: number };
  /** The file's `targets:` section, checked but not yet resolved against the environment (src/config/target-config.ts). */
  targets: Record<string, TargetEntry>;
}

/** An openai stage with every setting present, as a client needs it. */
export interface OpenAiStage {
  baseUrl: string;
  model: string;
  apiKeyEnv: string;
  voice?: string;
  timeoutMs: number;
  maxRetries: number;
}

/** Where `--provider openai` points when neither --base-url nor the config file names a server. */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY';
export const DEFAULT_OPENAI_MODELS: Readonly<Record<StageName, string>> = { stt: 'whisper-1', llm: 'gpt-4o-mini', tts: 'tts-1' };
export const DEFAULT_OPENAI_VOICE = 'alloy';
export const DEFAULT_FLITE_TTS_VOICE: FliteVoice = 'slt';
export const DEFAULT_TIMEOUT_MS: Readonly<Record<StageName, number>> = { stt: 30_000, llm: 30_000, tts: 30_000 };
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_ERROR_RATE: Readonly<ProviderConfig['errorRate']> = { max: 0.5, minTurns: 4 };

/** The names `findProviderConfig` looks for, in order. */
export const PROVIDER_CONFIG_FILES = ['voicebench.config.yaml', 'voicebench.config.yml', 'voicebench.config.json'] as const;

const CONFIG_FILE: InputFileKind = { name: 'provider config', topLevelKeys: 'stt: ..., llm: ..., tts: ..., errorRate: ..., targets: ...' };
const HINT = 'the config format is in docs/providers.md (stages) and docs/targets.md (targets); API keys are read only from the environment';

/** `given` with every default that applies to its provider; keys that do not apply are dropped. */
function resolveStage(stage: StageName, given: StageConfig): StageConfig {
  const limits = { timeoutMs: given.timeoutMs ?? DEFAULT_TIMEOUT_MS[stage], maxRetries: given.maxRetries ?? DEFAULT_MAX_RETRIES };
  switch (given.provider) {
    case 'sim':
      return { provider: 'sim', ...limits };
    case 'flite':
      return { provider: 'flite', voice: given.voice ?? DEFAULT_FLITE_TTS_VOICE, ...limits };
    case 'openai':
      return {
        provider: 'openai',
        baseUrl: given.baseUrl ?? DEFAULT_OPENAI_BASE_URL,
        model: given.model ?? DEFAULT_OPENAI_MODELS[stage],
        ...(stage === 'tts' ? { voice: given.voice ?? DEFAULT_OPENAI_VOICE } : {}),
        apiKeyEnv: given.apiKeyEnv ?? DEFAULT_API_KEY_ENV,
        ...limits,
      };
    default:
      return assertNever(given.provider, 'stage provider');
  }
}

/** Defaults: every stage sim. */
export function defaultProviderConfig(): ProviderConfig {
  return {
    stt: resolveStage('stt', { provider: 'sim' }),
    llm: resolveStage('llm', { provider: 'sim' }),
    tts: resolveStage('tts', { provider: 'sim' }),
    errorRate: { ...DEFAULT_ERROR_RATE },
    targets: {},
  };
}

function fromFile(file: ProviderConfigFile): ProviderConfig {
  return {
    stt: resolveStage('stt', file.stt ?? { provider: 'sim' }),
    llm: resolveStage('llm', file.llm ?? { provider: 'sim' }),
    tts: resolveStage('tts', file.tts ?? { provider: 'sim' }),
    errorRate: { max: file.errorRate?.max ?? DEFAULT_ERROR_RATE.max, minTurns: file.errorRate?.minTurns ?? DEFAULT_ERROR_RATE.minTurns },
    targets: file.targets ?? {},
  };
}

/**
 * Reads voicebench.config.yaml | .yml | .json (any name: JSON is YAML too). Throws InputError
 * listing every problem as `<file>: <path>: <message>` in the order of the file, unknown keys
 * with did-you-mean. A key value in the file (`apiKey`, `key`, `token`, `secret`…) is an error
 * saying keys come only from the environment, naming apiKeyEnv. An empty file is every stage sim.
 */
export async function loadProviderConfig(path: string): Promise<ProviderConfig> {
  const read = await readYamlFile(path, CONFIG_FILE);
  let problems: Problem[] = read.problems;
  if (problems.length === 0 && isMapping(read.data)) {
    const { data, problems: secrets } = withoutSecretKeys(read.data);
    const parsed = providerConfigSchema.safeParse(data, { reportInput: true });
    if (parsed.success && secrets.length === 0) return fromFile(parsed.data);
    problems = [...secrets, ...(parsed.success ? [] : describeIssues(parsed.error.issues, providerConfigSchema))];
  }
  throw new InputError(inFileOrder(problems, read.lineOf).map((problem) => formatProblem(path, problem)).join('\n'), { hint: HINT });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new InputError(`${path}: cannot read the provider config (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { hint: 'fix its permissions, or choose a file with --config FILE', cause: err });
  }
}

/** The config file to use when --config is not given: ./voicebench.config.yaml, .yml or .json in `cwd` if one exists, else undefined. Two of them is an error: which one wins would be a guess. */
export async function findProviderConfig(cwd: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const name of PROVIDER_CONFIG_FILES) {
    const path = join(cwd, name);
    if (await isFile(path)) found.push(path);
  }
  if (found.length > 1) {
    throw new InputError(`${found.join(' and ')} are both provider configs; voicebench reads one`, { hint: 'remove all but one, or choose one with --config FILE' });
  }
  return found[0];
}

export interface ProviderFlags {
  provider?: 'sim' | 'openai';
  baseUrl?: string;
  apiKeyEnv?: string;
  tts?: 'flite';
}

/** `stage` run by an openai server: its model and voice kept when it already was one, the flags' server and key variable when given. */
function asOpenAi(name: StageName, stage: StageConfig, flags: ProviderFlags): StageConfig {
  const wasOpenAi = stage.provider === 'openai';
  return resolveStage(name, {
    provider: 'openai',
    baseUrl: flags.baseUrl ?? (wasOpenAi ? stage.baseUrl : undefined),
    model: wasOpenAi ? stage.model : undefined,
    voice: wasOpenAi ? stage.voice : undefined,
    apiKeyEnv: flags.apiKeyEnv ?? (wasOpenAi ? stage.apiKeyEnv : undefined),
    timeoutMs: stage.timeoutMs,
    maxRetries: stage.maxRetries,
  });
}

function checkFlags(flags: ProviderFlags): void {
  if (flags.baseUrl !== undefined) {
    const problem = httpUrlProblem(flags.baseUrl);
    if (problem !== undefined) throw new InputError(`--base-url: ${problem}`, { hint: 'e.g. --base-url http://127.0.0.1:8787/v1 (voicebench serve)' });
  }
  if (flags.apiKeyEnv !== undefined) {
    const problem = envNameProblem(flags.apiKeyEnv);
    if (problem !== undefined) throw new InputError(`--api-key-env: ${problem}`, { hint: 'e.g. --api-key-env GROQ_API_KEY, with the key in that variable' });
  }
}

/**
 * Merges run flags over a config; pass only the flags the user gave (a default of `sim` would
 * override the file). `--provider` sets every stage, flags winning over the file: `openai`
 * points each at --base-url (else the file's server for a stage that was openai, else
 * api.openai.com), keeping the file's model, voice and limits for stages that were openai;
 * `sim` makes every stage simulated. Without --provider, --base-url and --api-key-env apply to
 * the stages that are openai. `--tts flite` then sets only the tts stage.
 */
export function applyProviderFlags(config: ProviderConfig, flags: ProviderFlags): ProviderConfig {
  checkFlags(flags);
  const pointsAtServer = flags.baseUrl !== undefined || flags.apiKeyEnv !== undefined;
  const flagNames = [flags.baseUrl !== undefined ? '--base-url' : '', flags.apiKeyEnv !== undefined ? '--api-key-env' : ''].filter((name) => name !== '').join(' and ');
  const merged: ProviderConfig = { ...config, errorRate: { ...config.errorRate } };
  for (const name of STAGE_NAMES) {
    const stage = config[name];
    if (flags.provider === 'openai') merged[name] = asOpenAi(name, stage, flags);
    else if (flags.provider === 'sim') merged[name] = resolveStage(name, { provider: 'sim', timeoutMs: stage.timeoutMs, maxRetries: stage.maxRetries });
    else merged[name] = stage.provider === 'openai' ? asOpenAi(name, stage, flags) : { ...stage };
  }
  if (pointsAtServer && !STAGE_NAMES.some((name) => merged[name].provider === 'openai')) {
    throw new InputError(`${flagNames} ${flagNames.includes(' and ') ? 'apply' : 'applies'} to openai stages, and ${flags.provider === 'sim' ? '--provider sim runs' : 'the provider config has'} none`, {
      hint: 'add --provider openai, or set provider: openai for a stage in the config file (docs/providers.md)',
    });
  }
  if (flags.tts === 'flite') {
    const tts = merged.tts;
    merged.tts = resolveStage('tts', { provider: 'flite', voice: config.tts.provider === 'flite' ? config.tts.voice : undefined, timeoutMs: tts.timeoutMs, maxRetries: tts.maxRetries });
  }
  return merged;
}

/** "stt", "stt and llm", "stt, llm and tts". */
function listed(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/** Checks that every openai stage's key variable is set (non-empty) in `env`; InputError naming the stage(s) and variable(s) and the fix otherwise. Never prints a value. */
export function checkKeys(config: ProviderConfig, env: NodeJS.ProcessEnv): void {
  rememberKeyVariables(STAGE_NAMES.flatMap((name) => (config[name].provider === 'openai' ? [config[name].apiKeyEnv ?? DEFAULT_API_KEY_ENV] : [])));
  const missing = new Map<string, StageName[]>();
  for (const name of STAGE_NAMES) {
    const stage = config[name];
    if (stage.provider !== 'openai') continue;
    const variable = stage.apiKeyEnv ?? DEFAULT_API_KEY_ENV;
    if (!env[variable]) missing.set(variable, [...(missing.get(variable) ?? []), name]);
  }
  if (missing.size === 0) return;
  const entries = [...missing];
  const needs = listed(entries.map(([variable, stages]) => `$${variable} (for ${listed(stages)})`));
  throw new InputError(`no API key in the environment: ${needs} ${entries.length === 1 ? 'is' : 'are'} not set`, {
    hint: `export ${entries.map(([variable]) => `${variable}=...`).join(' ')} (any value for a server that checks none, such as voicebench serve); keys are read only from the environment: to read another variable, set apiKeyEnv in the config file or pass --api-key-env`,
  });
}

/** The URL as shown in a report: credentials, should a caller have put any in, left out. */
function shownUrl(value: string | undefined): string {
  if (value === undefined) return '(no server)';
  try {
    const url = new URL(value);
    if (url.username === '' && url.password === '') return value;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return value;
  }
}

function describeStage(name: StageName, stage: StageConfig, profileName: string): string {
  switch (stage.provider) {
    case 'sim':
      return `${name} sim (profile ${profileName})`;
    case 'flite':
      return `${name} flite voice ${stage.voice ?? DEFAULT_FLITE_TTS_VOICE} (offline, in process)`;
    case 'openai': {
      const voice = name === 'tts' ? ` voice ${stage.voice ?? DEFAULT_OPENAI_VOICE}` : '';
      return `${name} openai ${stage.model ?? DEFAULT_OPENAI_MODELS[name]}${voice} @ ${shownUrl(stage.baseUrl)} (key $${stage.apiKeyEnv ?? DEFAULT_API_KEY_ENV})`;
    }
    default:
      return assertNever(stage.provider, 'stage provider');
  }
}

/** A human one-liner per stage for the report, newline-joined, e.g. "stt openai whisper-1 @ http://127.0.0.1:8787/v1 (key $OPENAI_API_KEY)". Never a key value. */
export function describeProviders(config: ProviderConfig, profileName: string): string {
  return STAGE_NAMES.map((name) => describeStage(name, config[name], profileName)).join('\n');
}

/** An openai stage's settings, all present, for building its client; throws (a bug) when the stage is not openai. */
export function openAiStage(name: StageName, stage: StageConfig): OpenAiStage {
  if (stage.provider !== 'openai') throw new Error(`${name} runs ${stage.provider}, not openai`);
  const resolved = resolveStage(name, stage);
  return {
    baseUrl: resolved.baseUrl ?? DEFAULT_OPENAI_BASE_URL,
    model: resolved.model ?? DEFAULT_OPENAI_MODELS[name],
    apiKeyEnv: resolved.apiKeyEnv ?? DEFAULT_API_KEY_ENV,
    ...(resolved.voice === undefined ? {} : { voice: resolved.voice }),
    timeoutMs: resolved.timeoutMs ?? DEFAULT_TIMEOUT_MS[name],
    maxRetries: resolved.maxRetries ?? DEFAULT_MAX_RETRIES,
  };
}
