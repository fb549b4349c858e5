import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import { PROFILES } from '../src/providers/profiles.js';
import { assertAccuracy, assertFirstPhrase, assertWaterfallsSum, percentile, runBench } from './helpers.js';

/**
 * The accuracy contract of issue #2, over WebSocket streaming: with zero-variance providers the
 * stage spans measure what the providers were configured to take (±1 ms p50, ±3 ms p99), and
 * the waterfall leaves at most 2 ms (p50) unexplained.
 */
const constant = PROFILES.constant;
const TURNS = 5;

test('WebSocket over loopback with --profile constant measures the configured stage latencies', async () => {
  const { result, turns, hostStallsMs } = await runBench({ transports: ['ws'], profile: 'constant', seed: 1, turns: TURNS });
  const ws = result.transports.ws;
  assert.ok(ws, 'ws results');
  assert.equal(ws.chunking, 'sentence', 'ws defaults to sentence chunking');
  assert.equal(ws.errors, 0, JSON.stringify(turns.filter((turn) => turn.error)));
  assert.equal(turns.length, TURNS);

  const within = (name: string, measuredMs: readonly number[], expectedMs: number): void => assertAccuracy(name, measuredMs, expectedMs, hostStallsMs);
  // streaming: the STT's final comes its configured time after the agent's end of utterance
  within('stt (eou → stt.final)', turns.map((turn) => turn.spans.stt ?? NaN), constant.stt.streamingFinal.p50Ms);
  within('llm.ttft', turns.map((turn) => turn.spans['llm.ttft'] ?? NaN), constant.llm.ttft.p50Ms);
  within('tts.ttfb', turns.map((turn) => turn.spans['tts.ttfb'] ?? NaN), constant.tts.ttfb.p50Ms);
  assertFirstPhrase(turns, { policy: 'sentence', firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, constant, 'median');

  assertWaterfallsSum(turns);
  for (const turn of turns) {
    // the agent endpoints: the same silence timeout as REST's caller, plus at most a VAD window and the uplink
    assert.ok((turn.spans.endpointing ?? 0) >= 500, `endpointing ${turn.spans.endpointing}`);
    assert.ok((turn.spans.uplink ?? NaN) >= 0, 'the speech-end frame was received after it was sent');
  }
  const otherP50 = percentile(turns.map((turn) => turn.waterfall?.other ?? NaN), 50);
  assert.ok(otherP50 <= 2, `waterfall other p50 ${otherP50.toFixed(3)} ms`);
  const uplinkP50 = percentile(turns.map((turn) => turn.spans.uplink ?? NaN), 50);
  assert.ok(uplinkP50 <= 2, `one frame across loopback: uplink p50 ${uplinkP50.toFixed(3)} ms`);
});
