import { resolveNetwork } from '../src/transports/netem/network-profile.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import { DEFAULT_MAX_AHEAD_MS } from '../src/agent/outbound-audio.js';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { TransportName, TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { DEFAULT_CHUNKING, DEFAULT_JITTER_BUFFER_MS } from '../src/transports/transport.js';
import type { CodecName } from '../src/audio/codecs.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS } from '../src/audio/vad.js';

export interface AccuracyRow {
  transport: TransportName;
  measure: string;
  configuredMs: number;
  p50Ms: number;
  p50ErrMs: number;
  p99Ms: number;
  p99ErrMs: number;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export const round = (value: number): number => Math.round(value * 1000) / 1000;

/** One transport over the committed corpus with zero-variance providers; every turn's record. */
async function constantRun(transport: TransportName, turns: number, codec: CodecName): Promise<TurnRecord[]> {
  const profile = getProfile('constant');
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-bench-'));
  const records: TurnRecord[] = [];
  await runBenchmark(
    {
      transports: [transport],
      corpus: DEFAULT_CORPUS_DIR,
      profile: profile.name,
      seed: 1,
      turns,
      silenceTimeoutMs: 500,
      chunking: { [transport]: DEFAULT_CHUNKING[transport] },
      firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS,
      maxAheadMs: DEFAULT_MAX_AHEAD_MS,
      codec,
      jitterBufferMs: DEFAULT_JITTER_BUFFER_MS,
      vadModel: 'silero legacy',
      scenario: 'quickstart',
      bargeInMinSpeechMs: DEFAULT_BARGE_IN_MIN_SPEECH_MS,
      network: resolveNetwork('none'),
      gates: [],
    },
    (await loadCorpus(DEFAULT_CORPUS_DIR)).map((utterance) => ({ utterance, pauseBeforeMs: 0 })),
    { clock: systemClock, profile, files: new ResultFiles(dir), signal: new AbortController().signal, onTurn: (record) => records.push(record) },
  );
  return records;
}

/** Measured minus configured, per stage, for one transport over loopback. */
export async function benchAccuracy(transport: TransportName, turns = 18, codec: CodecName = 'opus'): Promise<{ rows: AccuracyRow[]; turns: TurnRecord[] }> {
  const profile = getProfile('constant');
  const records = await constantRun(transport, turns, codec);
  const row = (measure: string, configuredMs: number, values: number[]): AccuracyRow => {
    const p50Ms = percentile(values, 50);
    const p99Ms = percentile(values, 99);
    return { transport, measure, configuredMs, p50Ms: round(p50Ms), p50ErrMs: round(p50Ms - configuredMs), p99Ms: round(p99Ms), p99ErrMs: round(p99Ms - configuredMs) };
  };
  const marks = (record: TurnRecord, from: keyof TurnRecord['marksMs'], to: keyof TurnRecord['marksMs']): number => (record.marksMs[to] ?? NaN) - (record.marksMs[from] ?? NaN);
  const common = [
    row('llm.ttft', profile.llm.ttft.p50Ms, records.map((r) => r.spans['llm.ttft'] ?? NaN)),
    row('tts.ttfb', profile.tts.ttfb.p50Ms, records.map((r) => r.spans['tts.ttfb'] ?? NaN)),
    row('waterfall other (transport + agent overhead)', 0, records.map((r) => r.waterfall?.other ?? NaN)),
    row('downlink (first audible frame, agent → caller)', 0, records.map((r) => r.spans.downlink ?? NaN)),
  ];
  if (transport === 'rest') {
    return {
      turns: records,
      rows: [
        row('stt (stt.start → stt.final)', profile.stt.batch.p50Ms, records.map((r) => r.waterfall?.stt ?? NaN)),
        row('stt span (REST: + upload + decode)', profile.stt.batch.p50Ms, records.map((r) => r.spans.stt ?? NaN)),
        row('  of which upload (eou → received)', 0, records.map((r) => marks(r, 'eou', 'agent.speech_end_received'))),
        ...common,
      ],
    };
  }
  return {
    turns: records,
    rows: [
      row('stt (eou → stt.final, streaming)', profile.stt.streamingFinal.p50Ms, records.map((r) => r.spans.stt ?? NaN)),
      row('uplink (speech-end frame, caller → agent)', 0, records.map((r) => r.spans.uplink ?? NaN)),
      ...common,
    ],
  };
}
