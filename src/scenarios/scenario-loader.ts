/**
 * Loading a scenario (docs/scenarios.md): the file read and checked, every utterance it names
 * resolved and loaded. Problems are collected, never stopped at the first: a user fixes a file
 * in one pass.
 */
import { InputError } from '../errors.js';
import type { ChunkingPolicy } from '../agent/chunking.js';
import type { TransportName } from '../report/result.js';
import { resolveScenarioRef } from './builtin.js';
import { loadCorpus } from './corpus.js';
import { checkScenario, scenarioTarget } from './scenario-check.js';
import type { Utterance } from './utterance.js';

export interface ResolvedBargeIn {
  utterance: Utterance;
  /** Measured from the bot's first audible audio as played at the caller. Exactly one of this and afterBotWords is set. */
  afterBotAudioMs?: number;
  /** The bot's words as the agent reports them. */
  afterBotWords?: number;
  /** `continue`: a backchannel that must not interrupt the bot. */
  expect: 'interrupt' | 'continue';
}

export interface ResolvedTurn {
  utterance: Utterance;
  pauseBeforeMs: number;
  bargeIn?: ResolvedBargeIn;
}

/** What the scenario sets; a key is absent when the scenario leaves it to the flags and defaults. */
export interface ScenarioSettings {
  /** Absolute; set when the scenario's `corpus` or the `corpusDir` option gave one (the option wins), absent for the committed corpus. */
  corpusDir?: string;
  transports?: TransportName[];
  profile?: string;
  seed?: number;
  /** A network profile's name or a custom spec, as written. */
  network?: string;
  chunking?: ChunkingPolicy;
  phraseWords?: number;
  silenceTimeoutMs?: number;
  bargeInMinSpeechMs?: number;
  /** Gate expressions, as written (checked by the schema). */
  gates?: string[];
  /** The turn list runs this many times on one call (1 when the scenario does not say). */
  repeat: number;
}

export interface LoadedScenario {
  name: string;
  description: string;
  /** the file as the user gave it, or "built-in <name>" */
  source: string;
  settings: ScenarioSettings;
  turns: ResolvedTurn[];
}

const HINT = 'the scenario format is in docs/scenarios.md; "voicebench validate FILE" checks a file without running it';

/** ref: a built-in scenario name or a file path. corpusDir (from --corpus) overrides the scenario's corpus. Throws InputError listing every problem. */
export async function loadScenario(ref: string, options: { corpusDir?: string } = {}): Promise<LoadedScenario> {
  // a bad --corpus is the corpus's problem, not the scenario's: its own message (FILE.wav: …) and hint
  if (options.corpusDir !== undefined) await loadCorpus(options.corpusDir);
  const target = await resolveScenarioRef(ref);
  const checked = await checkScenario(target, options);
  if (checked.scenario === undefined) throw new InputError(checked.problems.join('\n'), { hint: HINT });
  return checked.scenario;
}

/** Every problem in one file, each as "<file>: <path>: <message>"; [] when valid. Never throws for bad content. */
export async function validateScenarioFile(path: string, options: { corpusDir?: string } = {}): Promise<string[]> {
  return (await checkScenario(scenarioTarget(path), options)).problems;
}
