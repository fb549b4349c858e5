import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chunker, DEFAULT_FIRST_PHRASE_WORDS, type ChunkingOptions } from '../src/agent/chunking.js';
import { DEFAULT_MAX_AHEAD_MS } from '../src/agent/outbound-audio.js';
import { systemClock } from '../src/metrics/clock.js';
import type { ChunkingPolicy } from '../src/agent/chunking.js';
import type { SimProfile } from '../src/providers/profile.js';
import { getProfile } from '../src/providers/profiles.js';
import { replyFor, tokenize } from '../src/providers/sim/replies.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { RunConfig, RunResult, TransportName, TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { DEFAULT_CHUNKING } from '../src/transports/transport.js';

export interface MeasuredRun {
  result: RunResult;
  turns: TurnRecord[];
  dir: string;
}

export interface BenchOptions {
  transports: TransportName[];
  profile: string;
  seed: number;
  turns: number;
  /** Streaming transports' policy; default per transport. */
  chunking?: ChunkingPolicy;
  corpusDir?: string;
}

/** Runs the benchmark in-process over the committed corpus, as `voicebench run` would. */
export async function runBench(options: BenchOptions): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-test-'));
  const corpusDir = options.corpusDir ?? DEFAULT_CORPUS_DIR;
  const corpus = await loadCorpus(corpusDir);
  const config: RunConfig = {
    transports: options.transports,
    corpus: corpusDir,
    profile: options.profile,
    seed: options.seed,
    turns: options.turns,
    silenceTimeoutMs: 500,
    chunking: Object.fromEntries(options.transports.map((name) => [name, name === 'rest' ? 'full' : (options.chunking ?? DEFAULT_CHUNKING[name])])),
    firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS,
    maxAheadMs: DEFAULT_MAX_AHEAD_MS,
    vadModel: 'silero legacy',
  };
  const result = await runBenchmark(config, corpus, { clock: systemClock, profile: getProfile(options.profile), files: new ResultFiles(dir), signal: new AbortController().signal });
  const lines = (await readFile(join(dir, 'turns.jsonl'), 'utf8')).trim().split('\n');
  return { result, turns: lines.map((line) => JSON.parse(line) as TurnRecord), dir };
}

export function runRest(profile: string, seed: number, turns: number, corpusDir = DEFAULT_CORPUS_DIR): Promise<MeasuredRun> {
  return runBench({ transports: ['rest'], profile, seed, turns, corpusDir });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A corpus directory holding only the named utterances of the committed corpus (WAV + sidecar). */
export async function corpusSubset(ids: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-corpus-'));
  for (const id of ids) {
    for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, id + ext), join(dir, id + ext));
  }
  return dir;
}

/**
 * When the first chunk reaches TTS under the constant profile: the sim LLM streams the reply for
 * `transcript` one token per 1000/tps ms after its first token, and the chunker decides after
 * which token the first chunk is complete.
 */
export function expectedFirstPhraseMs(transcript: string, options: ChunkingOptions, profile: SimProfile): number {
  const tokens = tokenize(replyFor([{ role: 'user', content: transcript }]));
  const chunker = new Chunker(options);
  let index = tokens.findIndex((token) => chunker.push(token).length > 0);
  if (index < 0) index = tokens.length - 1; // the first chunk is complete only when the stream ends, with the last token
  return profile.llm.ttft.p50Ms + (index * 1000) / profile.llm.tokensPerSecond.p50Ms;
}
