// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencySampler } from './sampler.js';

test('same seed, stage and turn give the same latency; another seed does not', () => {
  const dist = { p50Ms: 300, p95Ms: 700 };
  const a = new LatencySampler(7);
  const b = new LatencySampler(7);
  const c = new LatencySampler(8);
  const drawsA = Array.from({ length: 20 }, (_, turn) => a.sampleMs(dist, 'llm.ttft', turn));
  const drawsB = Array.from({ length: 20 }, (_, turn) => b.sampleMs(dist, 'llm.ttft', turn)).reverse().reverse();
  assert.deepEqual(drawsA, drawsB);
  assert.notDeepEqual(drawsA, Array.from({ length: 20 }, (_, turn) => c.sampleMs(dist, 'llm.ttft', turn)));
});

test('draws follow the configured p50 and p95', () => {
  const sampler = new LatencySampler(1);
  const dist = { p50Ms: 200, p95Ms: 500 };
  const draws = Array.from({ length: 20_000 }, (_, turn) => sampler.sampleMs(dist, 'stt', turn)).sort((x, y) => x - y);
  const p50 = draws[10_000] ?? 0;
  const p95 = draws[19_000] ?? 0;
  assert.ok(Math.abs(p50 - 200) < 200 * 0.03, `p50 ${p50}`);
  assert.ok(Math.abs(p95 - 500) < 500 * 0.05, `p95 ${p95}`);
  assert.ok((draws[0] ?? 0) > 0);
});

test('a distribution with p95 equal to p50 is constant', () => {
  const sampler = new LatencySampler(3);
  for (let turn = 0; turn < 50; turn++) assert.equal(sampler.sampleMs({ p50Ms: 100, p95Ms: 100 }, 'tts', turn), 100);
});
