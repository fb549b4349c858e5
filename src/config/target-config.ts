/**
 * The targets of a run (docs/targets.md): `--target NAME=PROTOCOL+URL` flags and the config
 * file's `targets:` section, resolved against the environment. Header values and keys are read
 * from the environment here and nowhere else; what a report records of a target (RunTarget)
 * names the variables, never their values.
 */
import { InputError } from '../errors.js';
import { didYouMean } from '../input/did-you-mean.js';
import { isTargetProtocol, TARGET_PROTOCOLS, type TargetProtocol } from '../names.js';
import { rememberKeyVariables } from './redact.js';
import {
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_REPLY_GAP_MS,
  ENV_REFERENCE,
  targetNameProblem,
  targetUrlProblem,
  type TargetEntry,
  type TwilioEncoding,
} from './target-schema.js';

export const DEFAULT_REALTIME_KEY_ENV = 'OPENAI_API_KEY';

export interface TwilioSettings {
  mediaFormat: { encoding: TwilioEncoding; sampleRate: 8000 | 16000 };
  customParameters: Record<string, string>;
}

export type RealtimeTurnDetection =
  | { type: 'server_vad'; threshold?: number; prefixPaddingMs?: number; silenceDurationMs?: number }
  | { type: 'semantic_vad'; eagerness?: 'low' | 'medium' | 'high' | 'auto' };

export interface RealtimeSettings {
  apiKeyEnv: string;
  turnDetection: RealtimeTurnDetection;
  voice?: string;
  instructions?: string;
}

/** One target, every default filled in and every `${NAME}` resolved: what its client dials with. */
export interface TargetSpec {
  name: string;
  protocol: TargetProtocol;
  url: string;
  /** Sent with the WebSocket upgrade, values resolved (they may be secrets: never print them). */
  headers: Record<string, string>;
  /** Environment variables the headers, parameters and key came from. */
  keyVariables: string[];
  answerTimeoutMs: number;
  replyGapMs: number;
  hints: boolean;
  twilio?: TwilioSettings;
  realtime?: RealtimeSettings;
}

/** An agent voicebench did not start, dialled as a caller over its own protocol (docs/targets.md). */
export interface RunTarget {
  name: string;
  protocol: TargetProtocol;
  /** As given, without credentials; header values are never recorded, only the variables they come from. */
  url: string;
  /** Environment variables the request headers (or the Realtime key) are taken from. */
  keyVariables: string[];
  /** A turn with no audible answer this long after the caller's speech end fails as no_answer. */
  answerTimeoutMs: number;
  /** Protocols without an end-of-response event (twilio): a pause in the bot's audio this long ends its reply. */
  replyGapMs: number;
  /** Sim-only per-turn hints (transcript, speech-end frame) for voicebench serve's stand-ins. */
  hints: boolean;
  /** The protocol's own settings as sent (twilio mediaFormat, Realtime turn detection), for the report. */
  settings: string;
}

/** A `--target` flag: a new target (`NAME=PROTOCOL+URL`) or one of the config file's by name (`NAME`). */
export type TargetFlag = { name: string; protocol?: TargetProtocol; url?: string };

const FLAG_FORM = 'NAME=PROTOCOL+URL, e.g. --target bot=twilio+ws://127.0.0.1:8765/media, or NAME for a target of voicebench.config.yaml';

/** Commander's parser for one `--target`: checks its form; whether a bare name exists is checked once the config is read. */
export function parseTargetFlag(value: string): TargetFlag {
  const equals = value.indexOf('=');
  const name = (equals < 0 ? value : value.slice(0, equals)).trim();
  const nameProblem = targetNameProblem(name);
  if (nameProblem !== undefined) throw new InputError(`--target ${JSON.stringify(value)}: ${nameProblem}`, { hint: FLAG_FORM });
  if (equals < 0) return { name };
  const rest = value.slice(equals + 1).trim();
  const plus = rest.indexOf('+');
  if (plus < 0) throw new InputError(`--target ${JSON.stringify(value)}: expected PROTOCOL+URL after "${name}=", like twilio+ws://127.0.0.1:8765/media`, { hint: `protocols: ${TARGET_PROTOCOLS.join(', ')}` });
  const protocol = rest.slice(0, plus);
  const url = rest.slice(plus + 1);
  if (!isTargetProtocol(protocol)) {
    throw new InputError(`--target ${JSON.stringify(value)}: unknown protocol "${protocol}"${didYouMean(protocol, TARGET_PROTOCOLS)}`, { hint: `protocols: ${TARGET_PROTOCOLS.join(', ')} (docs/targets.md)` });
  }
  const urlProblem = targetUrlProblem(url);
  if (urlProblem !== undefined) throw new InputError(`--target ${JSON.stringify(value)}: ${urlProblem}`, { hint: FLAG_FORM });
  return { name, protocol, url };
}

/** Commander: `--target` may be given several times. */
export function collectTarget(value: string, previous: TargetFlag[] | undefined): TargetFlag[] {
  return [...(previous ?? []), parseTargetFlag(value)];
}

/** The value with each `${NAME}` replaced from `env`; the names it read. */
function resolveTemplate(value: string, env: NodeJS.ProcessEnv, where: string, missing: Map<string, string[]>): { value: string; variables: string[] } {
  const variables: string[] = [];
  const resolved = value.replace(ENV_REFERENCE, (_whole, name: string) => {
    variables.push(name);
    const found = env[name];
    if (found === undefined || found === '') missing.set(name, [...(missing.get(name) ?? []), where]);
    return found ?? '';
  });
  return { value: resolved, variables };
}

function resolveMap(values: Record<string, string> | undefined, env: NodeJS.ProcessEnv, where: string, missing: Map<string, string[]>, variables: Set<string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    const template = resolveTemplate(value, env, `${where}.${key}`, missing);
    resolved[key] = template.value;
    for (const variable of template.variables) variables.add(variable);
  }
  return resolved;
}

function resolveEntry(name: string, entry: TargetEntry, env: NodeJS.ProcessEnv, missing: Map<string, string[]>, answerTimeoutMs: number | undefined): TargetSpec {
  const variables = new Set<string>();
  const headers = resolveMap(entry.headers, env, `targets.${name}.headers`, missing, variables);
  const spec: TargetSpec = {
    name,
    protocol: entry.protocol,
    url: entry.url,
    headers,
    keyVariables: [],
    answerTimeoutMs: answerTimeoutMs ?? entry.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
    replyGapMs: entry.replyGapMs ?? DEFAULT_REPLY_GAP_MS,
    hints: entry.hints ?? false,
  };
  switch (entry.protocol) {
    case 'twilio':
      spec.twilio = {
        mediaFormat: entry.twilio?.mediaFormat ?? { encoding: 'audio/x-mulaw', sampleRate: 8000 },
        customParameters: resolveMap(entry.twilio?.customParameters, env, `targets.${name}.twilio.customParameters`, missing, variables),
      };
      break;
    case 'openai-realtime': {
      const apiKeyEnv = entry.openaiRealtime?.apiKeyEnv ?? DEFAULT_REALTIME_KEY_ENV;
      variables.add(apiKeyEnv);
      const key = env[apiKeyEnv];
      if (key === undefined || key === '') missing.set(apiKeyEnv, [...(missing.get(apiKeyEnv) ?? []), `targets.${name} (its Realtime key)`]);
      else if (!Object.keys(headers).some((header) => header.toLowerCase() === 'authorization')) spec.headers = { ...headers, Authorization: `Bearer ${key}` };
      spec.realtime = {
        apiKeyEnv,
        turnDetection: entry.openaiRealtime?.turnDetection ?? { type: 'server_vad' },
        ...(entry.openaiRealtime?.voice === undefined ? {} : { voice: entry.openaiRealtime.voice }),
        ...(entry.openaiRealtime?.instructions === undefined ? {} : { instructions: entry.openaiRealtime.instructions }),
      };
      break;
    }
    case 'voicebench':
      break;
  }
  spec.keyVariables = [...variables];
  return spec;
}

/**
 * The run's targets, in the order given: the flags' when any (a bare name picks the file's
 * target, NAME=PROTOCOL+URL defines one or redirects the file's of that name), else every
 * target of the file. Every problem is listed at once (exit 2); a variable a header or key
 * needs that is not set is one of them. The variables' values are redacted from then on.
 */
export function resolveTargets(flags: readonly TargetFlag[] | undefined, fileTargets: Readonly<Record<string, TargetEntry>>, env: NodeJS.ProcessEnv, options: { configFile?: string; answerTimeoutMs?: number } = {}): TargetSpec[] {
  const problems: string[] = [];
  const missing = new Map<string, string[]>();
  const entries: Array<[string, TargetEntry]> = [];
  if (flags && flags.length > 0) {
    const seen = new Set<string>();
    for (const flag of flags) {
      if (seen.has(flag.name)) {
        problems.push(`--target ${flag.name}: given twice; each target needs its own name`);
        continue;
      }
      seen.add(flag.name);
      const fromFile = fileTargets[flag.name];
      if (flag.protocol !== undefined && flag.url !== undefined) {
        entries.push([flag.name, { ...(fromFile && fromFile.protocol === flag.protocol ? fromFile : {}), protocol: flag.protocol, url: flag.url }]);
      } else if (fromFile) {
        entries.push([flag.name, fromFile]);
      } else {
        const known = Object.keys(fileTargets);
        problems.push(`--target ${flag.name}: no target of that name in ${options.configFile ?? 'the config file (none was found)'}${didYouMean(flag.name, known)}; give it as ${flag.name}=PROTOCOL+URL${known.length > 0 ? ` or use one of: ${known.join(', ')}` : ''}`);
      }
    }
  } else {
    entries.push(...Object.entries(fileTargets));
  }
  const specs = entries.map(([name, entry]) => resolveEntry(name, entry, env, missing, options.answerTimeoutMs));
  for (const [variable, places] of missing) problems.push(`$${variable} is not set, and ${places.join(' and ')} ${places.length === 1 ? 'needs' : 'need'} it`);
  if (problems.length > 0) {
    throw new InputError(problems.join('\n'), {
      hint: missing.size > 0 ? `export ${[...missing.keys()].map((name) => `${name}=...`).join(' ')}; values are read only from the environment (docs/targets.md)` : FLAG_FORM,
    });
  }
  rememberKeyVariables(specs.flatMap((spec) => spec.keyVariables));
  return specs;
}

/** What result.json records of a target: its URL without credentials and the variables it read, never a header value. */
export function describeTarget(spec: TargetSpec): RunTarget {
  const settings: string[] = [];
  if (spec.twilio) {
    settings.push(`mediaFormat ${spec.twilio.mediaFormat.encoding} ${spec.twilio.mediaFormat.sampleRate} Hz`);
    const parameters = Object.keys(spec.twilio.customParameters);
    if (parameters.length > 0) settings.push(`customParameters ${parameters.join(', ')}`);
  }
  if (spec.realtime) {
    const detection = spec.realtime.turnDetection;
    const details = Object.entries(detection).filter(([key]) => key !== 'type').map(([key, value]) => `${key} ${String(value)}`);
    settings.push(`turn detection ${detection.type}${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
    if (spec.realtime.voice) settings.push(`voice ${spec.realtime.voice}`);
  }
  const headers = Object.keys(spec.headers).filter((name) => !(spec.realtime && name === 'Authorization'));
  if (headers.length > 0) settings.push(`headers ${headers.join(', ')}`);
  return {
    name: spec.name,
    protocol: spec.protocol,
    url: spec.url,
    keyVariables: [...spec.keyVariables],
    answerTimeoutMs: spec.answerTimeoutMs,
    replyGapMs: spec.replyGapMs,
    hints: spec.hints,
    settings: settings.join('; '),
  };
}

/** `check $BOT_TOKEN`: the fix for an agent that refused the upgrade, from the variables its headers read. */
export function credentialHint(spec: TargetSpec): string {
  if (spec.keyVariables.length === 0) return 'the agent wants credentials: add a header taken from the environment in voicebench.config.yaml, e.g. headers: { Authorization: "Bearer ${BOT_TOKEN}" } (docs/targets.md)';
  return `check ${spec.keyVariables.map((name) => `$${name}`).join(' and ')}: the agent refused ${spec.keyVariables.length === 1 ? 'it' : 'them'}`;
}
