import { resolveNetwork } from '../src/transports/netem/network-profile.js';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chunker, DEFAULT_FIRST_PHRASE_WORDS, type ChunkingOptions } from '../src/agent/chunking.js';
import { DEFAULT_MAX_AHEAD_MS } from '../src/agent/outbound-audio.js';
import { systemClock } from '../src/metrics/clock.js';
import type { ChunkingPolicy } from '../src/agent/chunking.js';
import type { SimProfile } from '../src/providers/profile.js';
import { getProfile } from '../src/providers/profiles.js';
import { WATERFALL_SEGMENTS } from '../src/metrics/waterfall.js';
import { replyFor, tokenize } from '../src/providers/sim/replies.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { RunConfig, RunResult, TransportName, TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { DEFAULT_CHUNKING, DEFAULT_JITTER_BUFFER_MS } from '../src/transports/transport.js';
import type { CodecName } from '../src/audio/codecs.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS } from '../src/audio/vad.js';
import type { PlannedTurn } from '../src/caller/turn-plan.js';
import type { ProviderConfig } from '../src/config/provider-config.js';
import type { Utterance } from '../src/scenarios/utterance.js';

export interface MeasuredRun {
  result: RunResult;
  turns: TurnRecord[];
  dir: string;
  /** Per turn (as `turns`): the longest this process's event loop was stalled while the turn ran, in ms (see HostStallProbe). */
  hostStallsMs: number[];
}

/** How often the stall probe expects to run; a stall can read up to this much shorter than it was. */
const PROBE_INTERVAL_MS = 2;
/** After a turn's record is written the runner collects garbage: stalls this soon after belong to no turn. */
const BETWEEN_TURNS_MS = 100;
/** The runner summarizes a turn's transport (~120 ms of histogram encoding) before it appends the record. */
const SUMMARY_MS = 250;

/**
 * Watches this process's event loop while a benchmark runs: a timer due every 2 ms records how
 * late it fires. A mark taken in a timer or socket callback is late by the same stall, so a turn
 * whose error the stall explains was delayed by the host (or the runtime), not mis-marked. Turn
 * windows come from the result files: each ends when the turn's record is appended and opens at
 * (or up to SUMMARY_MS before) the caller's speech end, so it holds the stage spans this checks
 * and not the caller's speech, the runner's summary or its garbage collection between turns.
 */
class HostStallProbe extends ResultFiles {
  readonly #stalls: Array<{ atMs: number; lateMs: number }> = [];
  readonly #windows: Array<{ fromMs: number; toMs: number }> = [];
  #lastWrittenMs = systemClock.nowMs();
  #timer: NodeJS.Timeout | undefined;

  start(): void {
    let dueMs = systemClock.nowMs() + PROBE_INTERVAL_MS;
    const tick = (): void => {
      const nowMs = systemClock.nowMs();
      if (nowMs - dueMs > 1) this.#stalls.push({ atMs: nowMs, lateMs: nowMs - dueMs });
      dueMs = nowMs + PROBE_INTERVAL_MS;
      this.#timer = setTimeout(tick, PROBE_INTERVAL_MS);
    };
    this.#timer = setTimeout(tick, PROBE_INTERVAL_MS);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  override async appendTurn(record: TurnRecord): Promise<void> {
    // marks are relative to caller.speech_end and the last one came at most SUMMARY_MS before now, so the window opens
    // no later than the speech end: it holds every stage span, and not the caller's speech before it
    const toMs = systemClock.nowMs();
    const lastMarkMs = Math.max(0, ...Object.values(record.marksMs).filter((value): value is number => value !== undefined));
    this.#windows.push({ fromMs: Math.max(this.#lastWrittenMs + BETWEEN_TURNS_MS, toMs - lastMarkMs - SUMMARY_MS), toMs });
    await super.appendTurn(record);
  }

  override async writeResult(result: RunResult): Promise<void> {
    await super.writeResult(result);
    this.#lastWrittenMs = systemClock.nowMs();
  }

  /** The longest stall inside each turn's window, in the order the turns were appended. */
  stallsPerTurn(): number[] {
    return this.#windows.map(({ fromMs, toMs }) => Math.max(0, ...this.#stalls.filter(({ atMs }) => atMs > fromMs && atMs <= toMs).map(({ lateMs }) => lateMs)));
  }
}

export interface BenchOptions {
  transports: TransportName[];
  /** A built-in profile's name, or a profile of the test's own. */
  profile: string | SimProfile;
  seed: number;
  turns: number;
  /** Streaming transports' policy; default per transport. */
  chunking?: ChunkingPolicy;
  corpusDir?: string;
  codec?: CodecName;
  /** Scripted turns; default: every corpus utterance once, in order. */
  plan?: PlannedTurn[];
  /** Who runs each stage; default all sim. */
  providers?: ProviderConfig;
  /** A network profile's name or a custom spec; default none. */
  network?: string;
}

/** The quickstart plan: each utterance of a corpus once, no pauses, no barge-in. */
export function corpusPlan(corpus: readonly Utterance[]): PlannedTurn[] {
  return corpus.map((utterance) => ({ utterance, pauseBeforeMs: 0 }));
}

/** Runs the benchmark in-process over the committed corpus, as `voicebench run` would. */
export async function runBench(options: BenchOptions): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-test-'));
  const corpusDir = options.corpusDir ?? DEFAULT_CORPUS_DIR;
  const plan = options.plan ?? corpusPlan(await loadCorpus(corpusDir));
  const config: RunConfig = {
    transports: options.transports,
    corpus: corpusDir,
    profile: typeof options.profile === 'string' ? options.profile : options.profile.name,
    seed: options.seed,
    turns: options.turns,
    silenceTimeoutMs: 500,
    chunking: Object.fromEntries(options.transports.map((name) => [name, name === 'rest' ? 'full' : (options.chunking ?? DEFAULT_CHUNKING[name])])),
    firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS,
    maxAheadMs: DEFAULT_MAX_AHEAD_MS,
    codec: options.codec ?? 'opus',
    jitterBufferMs: DEFAULT_JITTER_BUFFER_MS,
    vadModel: 'silero legacy',
    scenario: options.plan ? 'test plan' : 'quickstart',
    bargeInMinSpeechMs: DEFAULT_BARGE_IN_MIN_SPEECH_MS,
    network: resolveNetwork(options.network ?? 'none'),
    gates: [],
  };
  const profile = typeof options.profile === 'string' ? getProfile(options.profile) : options.profile;
  const files = new HostStallProbe(dir);
  files.start();
  try {
    const result = await runBenchmark(config, plan, { clock: systemClock, profile, ...(options.providers ? { providers: options.providers } : {}), files, signal: new AbortController().signal });
    const lines = (await readFile(join(dir, 'turns.jsonl'), 'utf8')).trim().split('\n');
    return { result, turns: lines.map((line) => JSON.parse(line) as TurnRecord), dir, hostStallsMs: files.stallsPerTurn() };
  } finally {
    files.stop();
  }
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

/** P(K ≥ k) for K ~ Binomial(n, q). */
export function binomialTail(n: number, q: number, k: number): number {
  let below = 0;
  let term = (1 - q) ** n; // P(K = 0)
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (q / (1 - q));
  }
  return Math.max(0, 1 - below);
}

/** Far above the usual scheduling hiccup, far below a misplaced mark (a frame, a token, a stage). */
export const ACCURACY_CEILING_MS = 10;

/**
 * The accuracy contract (issue #2): measured − configured within ±1 ms at p50 and ±3 ms at p99.
 * p50 is checked on the median error. "p99 ≤ 3 ms" is a claim about the population of turns, so
 * on n turns it fails only when more turns exceed 3 ms than a population meeting it would give
 * with probability under 1 % (binomial tail, 1 % per turn); none may pass the ceiling unless
 * `hostStallsMs` (from runBench) shows this process's event loop stalled inside that turn for
 * long enough to explain the excess. On this shared 2-core machine a stall of 10–30 ms now and
 * then lands in a turn; a misplaced mark stalls nothing, so it still fails.
 */
export function assertAccuracy(name: string, measuredMs: readonly number[], expectedMs: number | readonly number[], hostStallsMs: readonly number[] = []): void {
  const errors = measuredMs.map((value, index) => value - (typeof expectedMs === 'number' ? expectedMs : (expectedMs[index] ?? NaN)));
  const shown = errors.map((error) => error.toFixed(2)).join(', ');
  const medianError = percentile(errors, 50);
  if (!(Math.abs(medianError) <= 1)) throw new Error(`${name}: median error ${medianError.toFixed(3)} ms, more than ±1 ms (errors ${shown})`);
  const beyond = errors.filter((error) => !(Math.abs(error) <= 3)).length;
  let allowed = 0;
  while (binomialTail(errors.length, 0.01, allowed + 1) >= 0.01) allowed++;
  if (beyond > allowed) throw new Error(`${name}: ${beyond} of ${errors.length} turns beyond ±3 ms, more than a p99 of 3 ms allows (${allowed}) (errors ${shown})`);
  errors.forEach((error, index) => {
    if (Math.abs(error) <= ACCURACY_CEILING_MS) return;
    const stallMs = hostStallsMs[index] ?? 0;
    if (!(stallMs + PROBE_INTERVAL_MS + 3 >= Math.abs(error))) {
      throw new Error(`${name}: an error of ${Math.abs(error).toFixed(2)} ms (errors ${shown}), ${stallMs > 0 ? `more than the ${stallMs.toFixed(1)} ms event-loop stall in that turn explains` : 'with no event-loop stall in that turn'}`);
    }
  });
}

/** Every turn's waterfall sums exactly to its v2v (DESIGN.md §2: nothing hidden). */
export function assertWaterfallsSum(turns: readonly TurnRecord[]): void {
  for (const turn of turns) {
    const waterfall = turn.waterfall;
    if (!waterfall) throw new Error(`turn ${turn.turnIndex} has no waterfall`);
    const total = WATERFALL_SEGMENTS.reduce((sum, segment) => sum + waterfall[segment], 0);
    if (!(Math.abs(total - (turn.spans.v2v ?? NaN)) < 1e-6)) throw new Error(`turn ${turn.turnIndex}: waterfall ${total} ≠ v2v ${turn.spans.v2v}`);
  }
}

/**
 * The first chunk reached TTS after the token the chunking policy says: a policy cutting a
 * token early or late is off by a whole token interval on every turn it affects. `each` checks
 * every turn within half an interval; `median` checks the median error, which a host hiccup on
 * a single turn cannot move (stage spans carry the ±1/±3 ms contract; this checks the policy).
 */
export function assertFirstPhrase(turns: readonly TurnRecord[], options: ChunkingOptions, profile: SimProfile, check: 'each' | 'median'): void {
  const halfTokenMs = 1000 / profile.llm.tokensPerSecond.p50Ms / 2;
  const errors = turns.map((turn) => (turn.spans['llm.first_phrase'] ?? NaN) - expectedFirstPhraseMs(turn.transcript ?? '', options, profile));
  const shown = `${options.policy}: llm.first_phrase errors ${errors.map((error) => error.toFixed(2)).join(', ')} ms, allowed ± ${halfTokenMs}`;
  const checked = check === 'each' ? errors.map(Math.abs) : [Math.abs(percentile(errors, 50))];
  if (!checked.every((error) => error <= halfTokenMs)) throw new Error(shown);
}
