import { dirname, resolve } from 'node:path';
import { DEFAULT_CORPUS_DIR } from './corpus.js';
import type { LoadedScenario, ResolvedTurn, ScenarioSettings } from './scenario-loader.js';
import { readScenarioFile } from './scenario-file.js';
import { inFileOrder, isMapping } from '../input/yaml-file.js';
import { formatPath, formatProblem, type Problem } from '../input/issues.js';
import type { Scenario } from './scenario.js';
import { UtteranceResolver, type CorpusSource } from './utterance-resolver.js';
import type { Utterance } from './utterance.js';

/** A scenario file to check, and how messages name it. */
export interface ScenarioTarget {
  /** Absolute. */
  file: string;
  /** The prefix of each problem: the path as the user gave it (a built-in's, relative to the working directory). */
  shown: string;
  /** LoadedScenario.source: the path as given, or "built-in <name>". */
  source: string;
}

export function scenarioTarget(path: string): ScenarioTarget {
  return { file: resolve(path), shown: path, source: path };
}

/** `scenario` is set exactly when `problems` is empty. */
export interface CheckedScenario {
  /** Each as `<file>: <where>: <message>`. */
  problems: string[];
  scenario?: LoadedScenario;
}

/** Where ids come from: --corpus, else the scenario's `corpus` (relative to its file), else the committed corpus; undefined when `corpus` is malformed (the schema reports it). */
function corpusSource(data: Record<string, unknown>, scenarioDir: string, corpusDir: string | undefined): CorpusSource | undefined {
  if (corpusDir !== undefined) return { dir: resolve(corpusDir), where: '--corpus', given: corpusDir };
  if (data['corpus'] === undefined) return { dir: DEFAULT_CORPUS_DIR, where: 'corpus', given: DEFAULT_CORPUS_DIR };
  if (typeof data['corpus'] === 'string' && data['corpus'] !== '') return { dir: resolve(scenarioDir, data['corpus']), where: 'corpus', given: data['corpus'] };
  return undefined;
}

/** Every utterance reference in the document, valid or not, with its key path. */
function utteranceRefs(data: Record<string, unknown>): { path: (string | number)[]; ref: string }[] {
  const refs: { path: (string | number)[]; ref: string }[] = [];
  const turns = Array.isArray(data['turns']) ? (data['turns'] as unknown[]) : [];
  turns.forEach((turn, index) => {
    if (!isMapping(turn)) return;
    if (typeof turn['utterance'] === 'string' && turn['utterance'] !== '') refs.push({ path: ['turns', index, 'utterance'], ref: turn['utterance'] });
    const bargeIn = turn['bargeIn'];
    if (isMapping(bargeIn) && typeof bargeIn['utterance'] === 'string' && bargeIn['utterance'] !== '') {
      refs.push({ path: ['turns', index, 'bargeIn', 'utterance'], ref: bargeIn['utterance'] });
    }
  });
  return refs;
}

interface Resolution {
  byPath: Map<string, Utterance>;
  /** The whole corpus, when the scenario has no `turns`. */
  corpus?: Utterance[];
}

async function resolveUtterances(data: Record<string, unknown>, target: ScenarioTarget, corpusDir: string | undefined, problems: Problem[]): Promise<Resolution> {
  const scenarioDir = dirname(target.file);
  const corpus = corpusSource(data, scenarioDir, corpusDir);
  const resolver = new UtteranceResolver(scenarioDir, corpus);
  const resolution: Resolution = { byPath: new Map() };
  const corpusProblem = await resolver.corpusProblem();
  if (corpus && corpusProblem !== undefined) problems.push({ where: corpus.where, message: corpusProblem, path: [corpus.where] });
  for (const { path, ref } of utteranceRefs(data)) {
    const resolved = await resolver.resolve(ref);
    if (typeof resolved === 'string') problems.push({ where: formatPath(path), message: resolved, path });
    else if (resolved !== undefined) resolution.byPath.set(formatPath(path), resolved);
  }
  if (data['turns'] === undefined && corpus) {
    const all = await resolver.all();
    if (typeof all === 'string') problems.push({ where: corpus.where, message: all, path: [corpus.where] });
    else if (all !== undefined) resolution.corpus = all;
  }
  return resolution;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function settingsOf(scenario: Scenario, target: ScenarioTarget, corpusDir: string | undefined): ScenarioSettings {
  const corpus = corpusDir ?? (scenario.corpus === undefined ? undefined : resolve(dirname(target.file), scenario.corpus));
  return definedOnly({
    corpusDir: corpus === undefined ? undefined : resolve(corpus),
    transports: scenario.transports,
    profile: scenario.profile,
    seed: scenario.seed,
    network: scenario.network,
    chunking: scenario.chunking,
    phraseWords: scenario.phraseWords,
    silenceTimeoutMs: scenario.endpointing?.silenceTimeoutMs,
    bargeInMinSpeechMs: scenario.endpointing?.bargeInMinSpeechMs,
    gates: scenario.gates,
    repeat: scenario.repeat,
  });
}

function turnsOf(scenario: Scenario, resolution: Resolution): ResolvedTurn[] {
  const utteranceAt = (path: string): Utterance => {
    const utterance = resolution.byPath.get(path);
    if (utterance === undefined) throw new Error(`${path} was not resolved, yet no problem was reported`);
    return utterance;
  };
  if (scenario.turns === undefined) {
    if (resolution.corpus === undefined) throw new Error('the corpus was not loaded, yet no problem was reported');
    return resolution.corpus.map((utterance) => ({ utterance, pauseBeforeMs: 0 }));
  }
  return scenario.turns.map((turn, index): ResolvedTurn => {
    const resolved: ResolvedTurn = { utterance: utteranceAt(formatPath(['turns', index, 'utterance'])), pauseBeforeMs: turn.pauseBeforeMs };
    if (turn.bargeIn !== undefined) {
      resolved.bargeIn = definedOnly({
        utterance: utteranceAt(formatPath(['turns', index, 'bargeIn', 'utterance'])),
        afterBotAudioMs: turn.bargeIn.afterBotAudioMs,
        afterBotWords: turn.bargeIn.afterBotWords,
        expect: turn.bargeIn.expect,
      });
    }
    return resolved;
  });
}

/**
 * Reads, checks and resolves one scenario, collecting every problem, in the order of the file:
 * the schema's, the corpus's and each utterance reference's (checked even when other keys are
 * wrong).
 */
export async function checkScenario(target: ScenarioTarget, options: { corpusDir?: string }): Promise<CheckedScenario> {
  const read = await readScenarioFile(target.file);
  const problems = [...read.problems];
  const resolution = isMapping(read.data) ? await resolveUtterances(read.data, target, options.corpusDir, problems) : undefined;
  const shownProblems = inFileOrder(problems, read.lineOf).map((problem) => formatProblem(target.shown, problem));
  if (read.scenario === undefined || resolution === undefined || problems.length > 0) return { problems: shownProblems };
  const scenario = read.scenario;
  return {
    problems: [],
    scenario: { name: scenario.name, description: scenario.description, source: target.source, settings: settingsOf(scenario, target, options.corpusDir), turns: turnsOf(scenario, resolution) },
  };
}
