// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bottleneck, LinkImpairment, LossProcess } from './impairment.js';
import { SeededRandom } from '../../seeded-random.js';
import { NO_IMPAIRMENT } from './network-profile.js';

/** Losses in n draws at rate p fall within this many standard deviations of n·p (a seeded test, so the bound is generous and fixed). */
const SIGMAS = 4;

function binomialBound(n: number, p: number): { low: number; high: number } {
  const sd = Math.sqrt(n * p * (1 - p));
  return { low: n * p - SIGMAS * sd, high: n * p + SIGMAS * sd };
}

function draw(loss: number, burst: number, seed: number, n: number): boolean[] {
  const process = new LossProcess(loss, burst, new SeededRandom(seed, 'test'));
  return Array.from({ length: n }, () => process.next());
}

test('independent loss of p over N packets lands within the binomial bound', () => {
  for (const [p, n] of [
    [0.02, 20_000],
    [0.1, 5_000],
  ] as const) {
    const lost = draw(p, 1, 7, n).filter(Boolean).length;
    const { low, high } = binomialBound(n, p);
    assert.ok(lost >= low && lost <= high, `${lost} lost of ${n} at ${p}: expected ${low.toFixed(0)}–${high.toFixed(0)}`);
  }
});

test('bursty loss keeps the long-run rate and loses `burst` packets in a row on average', () => {
  const n = 200_000;
  for (const burst of [2, 3, 5]) {
    const fates = draw(0.03, burst, 11, n);
    const lost = fates.filter(Boolean).length;
    let bursts = 0;
    fates.forEach((isLost, index) => {
      if (isLost && !fates[index - 1]) bursts++;
    });
    assert.ok(Math.abs(lost / n - 0.03) < 0.003, `rate ${lost / n} at burst ${burst}`);
    assert.ok(Math.abs(lost / bursts - burst) < burst * 0.1, `mean burst ${lost / bursts} at burst ${burst}`);
  }
});

test('the same seed gives the same decisions; another seed other ones', () => {
  assert.deepEqual(draw(0.05, 3, 1, 2_000), draw(0.05, 3, 1, 2_000));
  assert.notDeepEqual(draw(0.05, 3, 1, 2_000), draw(0.05, 3, 2, 2_000));
  const a = new LinkImpairment({ ...NO_IMPAIRMENT, delayMs: 20, jitterMs: 5 }, 1, 'x');
  const b = new LinkImpairment({ ...NO_IMPAIRMENT, delayMs: 20, jitterMs: 5 }, 1, 'x');
  assert.deepEqual(Array.from({ length: 50 }, () => a.delayMs()), Array.from({ length: 50 }, () => b.delayMs()));
});

test('jitter draws centre on the delay with the given standard deviation, never below zero', () => {
  const link = new LinkImpairment({ ...NO_IMPAIRMENT, delayMs: 30, jitterMs: 5 }, 3, 'j');
  const draws = Array.from({ length: 20_000 }, () => link.delayMs());
  const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
  const sd = Math.sqrt(draws.reduce((sum, value) => sum + (value - mean) ** 2, 0) / draws.length);
  assert.ok(Math.abs(mean - 30) < 0.2, `mean ${mean}`);
  assert.ok(Math.abs(sd - 5) < 0.2, `sd ${sd}`);
  const wide = new LinkImpairment({ ...NO_IMPAIRMENT, delayMs: 2, jitterMs: 10 }, 3, 'j');
  assert.ok(Array.from({ length: 5_000 }, () => wide.delayMs()).every((value) => value >= 0));
});

test('the bottleneck serializes back to back at its rate', () => {
  const link = new Bottleneck(1e6);
  assert.equal(link.depart(0, 1250), 10);
  assert.equal(link.depart(0, 1250), 20, 'the second packet waits for the first');
  assert.equal(link.queuedMs(5), 15);
  assert.equal(link.depart(100, 125), 101, 'an idle link starts at once');
  assert.equal(new Bottleneck(0).depart(42, 1e9), 42, 'unlimited');
});
