import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';

export interface AccuracyRow {
  measure: string;
  configuredMs: number;
  p50Ms: number;
  p50ErrMs: number;
  p99Ms: number;
  p99ErrMs: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** REST over loopback with zero-variance providers: measured minus configured, per stage. */
export async function benchAccuracy(turns = 18): Promise<{ rows: AccuracyRow[]; turns: TurnRecord[] }> {
  const profile = getProfile('constant');
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-bench-'));
  const records: TurnRecord[] = [];
  await runBenchmark(
    { transports: ['rest'], corpus: DEFAULT_CORPUS_DIR, profile: profile.name, seed: 1, turns, silenceTimeoutMs: 500, chunking: { rest: 'full' }, vadModel: 'silero legacy' },
    await loadCorpus(DEFAULT_CORPUS_DIR),
    { clock: systemClock, profile, files: new ResultFiles(dir), signal: new AbortController().signal, onTurn: (record) => records.push(record) },
  );
  const row = (measure: string, configuredMs: number, values: number[]): AccuracyRow => {
    const p50Ms = percentile(values, 50);
    const p99Ms = percentile(values, 99);
    return { measure, configuredMs, p50Ms: round(p50Ms), p50ErrMs: round(p50Ms - configuredMs), p99Ms: round(p99Ms), p99ErrMs: round(p99Ms - configuredMs) };
  };
  const marks = (record: TurnRecord, from: keyof TurnRecord['marksMs'], to: keyof TurnRecord['marksMs']): number => (record.marksMs[to] ?? NaN) - (record.marksMs[from] ?? NaN);
  return {
    turns: records,
    rows: [
      row('stt (stt.start → stt.final)', profile.stt.batch.p50Ms, records.map((r) => r.waterfall?.stt ?? NaN)),
      row('stt span (REST: + upload + decode)', profile.stt.batch.p50Ms, records.map((r) => r.spans.stt ?? NaN)),
      row('  of which upload (eou → received)', 0, records.map((r) => marks(r, 'eou', 'agent.speech_end_received'))),
      row('llm.ttft', profile.llm.ttft.p50Ms, records.map((r) => r.spans['llm.ttft'] ?? NaN)),
      row('tts.ttfb', profile.tts.ttfb.p50Ms, records.map((r) => r.spans['tts.ttfb'] ?? NaN)),
      row('waterfall other', 0, records.map((r) => r.waterfall?.other ?? NaN)),
      row('downlink', 0, records.map((r) => r.spans.downlink ?? NaN)),
    ],
  };
}
