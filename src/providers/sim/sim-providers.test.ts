// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SteppedClock } from '../../metrics/stepped-clock.js';
import { PROFILES } from '../profiles.js';
import { LatencySampler } from './sampler.js';
import { SimLlm } from './sim-llm.js';
import { SimStt } from './sim-stt.js';
import { SIM_TTS_CHUNK_MS, SimTts } from './sim-tts.js';
import { replyFor, tokenize } from './replies.js';

const signal = new AbortController().signal;
const constant = PROFILES.constant;

test('sim STT answers with the transcript after exactly the configured latency', async () => {
  const clock = new SteppedClock(1000);
  const stt = new SimStt(constant, new LatencySampler(1), clock);
  assert.equal(await stt.transcribe(new Int16Array(0), { turnIndex: 0, transcript: 'Yes.' }, signal), 'Yes.');
  assert.equal(clock.nowMs(), 1200);
});

test('sim LLM streams the reply: first token at TTFT, then one every 1000/tps ms', async () => {
  const clock = new SteppedClock(1000);
  const llm = new SimLlm(constant, new LatencySampler(1), clock);
  const messages = [{ role: 'user' as const, content: 'I need to reset my password.' }];
  const arrivals: number[] = [];
  let text = '';
  for await (const token of llm.stream(messages, { turnIndex: 0 }, signal)) {
    arrivals.push(clock.nowMs() - 1000);
    text += token;
  }
  assert.equal(text, replyFor(messages));
  assert.equal(arrivals.length, tokenize(text).length);
  arrivals.forEach((atMs, index) => assert.ok(Math.abs(atMs - (300 + index * 20)) < 1e-9, `token ${index} at ${atMs}`));
});

test('sim LLM with a completion time stretches tokens so the last lands on it', async () => {
  const clock = new SteppedClock(1000);
  const profile = { ...PROFILES['seed-article'], llm: { ...PROFILES['seed-article'].llm, ttft: { p50Ms: 300, p95Ms: 300 }, completion: { p50Ms: 800, p95Ms: 800 } } };
  const llm = new SimLlm(profile, new LatencySampler(1), clock);
  for await (const _token of llm.stream([{ role: 'user', content: 'Yes.' }], { turnIndex: 0 }, signal)) void _token;
  assert.ok(Math.abs(clock.nowMs() - 1000 - 800) < 1e-9);
});

test('sim TTS returns the rendered speech in chunks, the first at TTFB, paced by the real-time factor', async () => {
  const clock = new SteppedClock(1000);
  const speech = Int16Array.from({ length: 16_000 }, (_, i) => i % 100);
  const tts = new SimTts(constant, new LatencySampler(1), clock, { render: async () => speech });
  const chunks: Int16Array[] = [];
  const arrivals: number[] = [];
  for await (const chunk of tts.synthesize('hello', { turnIndex: 0 }, signal)) {
    chunks.push(chunk);
    arrivals.push(clock.nowMs() - 1000);
  }
  assert.equal(chunks.reduce((total, chunk) => total + chunk.length, 0), speech.length);
  assert.equal(arrivals[0], 100);
  const spacingMs = SIM_TTS_CHUNK_MS / constant.tts.realtimeFactor;
  arrivals.forEach((atMs, index) => assert.ok(Math.abs(atMs - (100 + index * spacingMs)) < 1e-9));
});

test('the cold-start penalty is paid once', async () => {
  const clock = new SteppedClock(1000);
  const profile = { ...constant, coldStartMs: 50 };
  const stt = new SimStt(profile, new LatencySampler(1), clock);
  await stt.transcribe(new Int16Array(0), { turnIndex: 0 }, signal);
  assert.equal(clock.nowMs(), 1250);
  await stt.transcribe(new Int16Array(0), { turnIndex: 1 }, signal);
  assert.equal(clock.nowMs(), 1450);
});

test('an aborted call stops the stream', async () => {
  const abort = new AbortController();
  abort.abort(new Error('barge-in'));
  const stt = new SimStt(constant, new LatencySampler(1), {
    nowMs: () => 0,
    sleep: async () => undefined,
    sleepUntil: async (_target, s) => s?.throwIfAborted(),
  });
  await assert.rejects(stt.transcribe(new Int16Array(0), { turnIndex: 0 }, abort.signal), /barge-in/);
});
