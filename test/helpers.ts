import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { RunConfig, RunResult, TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';

export interface MeasuredRun {
  result: RunResult;
  turns: TurnRecord[];
  dir: string;
}

/** Runs the REST benchmark in-process over the committed corpus, as `voicebench run` would. */
export async function runRest(profile: string, seed: number, turns: number, corpusDir = DEFAULT_CORPUS_DIR): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-test-'));
  const corpus = await loadCorpus(corpusDir);
  const config: RunConfig = { transports: ['rest'], corpus: corpusDir, profile, seed, turns, silenceTimeoutMs: 500, chunking: { rest: 'full' }, vadModel: 'silero legacy' };
  const result = await runBenchmark(config, corpus, { clock: systemClock, profile: getProfile(profile), files: new ResultFiles(dir), signal: new AbortController().signal });
  const lines = (await readFile(join(dir, 'turns.jsonl'), 'utf8')).trim().split('\n');
  return { result, turns: lines.map((line) => JSON.parse(line) as TurnRecord), dir };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
