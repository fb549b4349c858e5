import { resolveNetwork } from '../src/transports/netem/network-profile.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import { DEFAULT_MAX_AHEAD_MS } from '../src/agent/outbound-audio.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS } from '../src/audio/vad.js';
import type { PlannedTurn } from '../src/caller/turn-plan.js';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { TransportName, TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadUtterance } from '../src/scenarios/corpus.js';
import { DEFAULT_CHUNKING, DEFAULT_JITTER_BUFFER_MS } from '../src/transports/transport.js';
import { percentile, round } from './accuracy.js';

const QUESTIONS = ['table-booking', 'refund-request', 'password-reset', 'delivery-status', 'appointment-reschedule'];

/**
 * `bargein.detect`, `bargein.stop` and `bargein.leak` over many interruptions: "Hold on, I have a
 * question." spoken 600–1130 ms into the answer (steps of 59 ms, so the barge-in meets the VAD's
 * 32 ms window grid at different phases), constant profile, loopback.
 */
export async function benchBargeIn(transport: TransportName, count: number): Promise<Record<string, number | string>> {
  const holdOn = await loadUtterance(join(DEFAULT_CORPUS_DIR, 'interruptions', 'hold-on.wav'));
  const plan: PlannedTurn[] = [];
  for (let i = 0; i < count; i++) {
    const utterance = await loadUtterance(join(DEFAULT_CORPUS_DIR, `${QUESTIONS[i % QUESTIONS.length] ?? ''}.wav`));
    plan.push({ utterance, pauseBeforeMs: 0, bargeIn: { utterance: holdOn, afterBotAudioMs: 600 + 59 * i, expect: 'interrupt' } });
  }
  const records: TurnRecord[] = [];
  await runBenchmark(
    {
      transports: [transport],
      corpus: DEFAULT_CORPUS_DIR,
      profile: 'constant',
      seed: 1,
      turns: count,
      silenceTimeoutMs: 500,
      chunking: { [transport]: DEFAULT_CHUNKING[transport] },
      firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS,
      maxAheadMs: DEFAULT_MAX_AHEAD_MS,
      codec: 'opus',
      jitterBufferMs: DEFAULT_JITTER_BUFFER_MS,
      vadModel: 'silero legacy',
      scenario: 'bench barge-in',
      bargeInMinSpeechMs: DEFAULT_BARGE_IN_MIN_SPEECH_MS,
      network: resolveNetwork('none'),
      gates: [],
    },
    plan,
    { clock: systemClock, profile: getProfile('constant'), files: new ResultFiles(await mkdtemp(join(tmpdir(), 'voicebench-bench-'))), signal: new AbortController().signal, onTurn: (record) => records.push(record) },
  );
  const interrupted = records.filter((record) => record.bargeIn);
  const values = (span: 'bargein.detect' | 'bargein.stop' | 'bargein.leak'): number[] => interrupted.flatMap((record) => (record.spans[span] === undefined ? [] : [record.spans[span]]));
  const row: Record<string, number | string> = { transport, 'barge-ins': interrupted.length };
  for (const span of ['bargein.detect', 'bargein.stop', 'bargein.leak'] as const) {
    const samples = values(span);
    row[`${span.slice(8)} p50`] = round(percentile(samples, 50));
    row[`${span.slice(8)} p95`] = round(percentile(samples, 95));
    row[`${span.slice(8)} max`] = round(Math.max(...samples));
  }
  row.correct = `${interrupted.filter((record) => record.bargeIn?.correct).length}/${interrupted.length}`;
  row['false int.'] = interrupted.reduce((sum, record) => sum + (record.bargeIn?.falseInterruptions ?? 0), 0);
  return row;
}
