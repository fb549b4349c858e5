// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPercentileDifference, fewestValuesBelowMaximum, mannWhitneyU, nearestRankIndex, percentile } from './statistics.js';
import { SeededRandom } from '../../seeded-random.js';

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
}

/** Ten values of which exactly `beats[i]` exceed i of y = 1…10 (no ties anywhere), so U = Σ beats. */
function againstOneToTen(beats: readonly number[]): { x: number[]; y: number[] } {
  return { x: beats.map((count, i) => count + 0.5 + i * 0.001), y: Array.from({ length: 10 }, (_, i) => i + 1) };
}

test('exact p: every one of x below every one of y is 2 orderings in C(6, 3) = 20', () => {
  const result = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.deepEqual(result, { u: 0, p: 0.1, n1: 3, n2: 3, method: 'exact' });
  // and the other way round: U = n1·n2, the same two-sided p
  assert.deepEqual(mannWhitneyU([4, 5, 6], [1, 2, 3]), { u: 9, p: 0.1, n1: 3, n2: 3, method: 'exact' });
});

test('exact p by hand: U counts are partitions of U into at most n1 parts of at most n2', () => {
  // n1 = n2 = 2: U = 0, 1, 2, 3, 4 in 1, 1, 2, 1, 1 of 6 orderings; U = 1 → 2 · 2/6
  near(mannWhitneyU([1, 3], [2, 4]).p, 4 / 6, 1e-12, 'U = 1 of 2 × 2');
  // n1 = n2 = 5: U = 0, 1, 2, 3 in 1, 1, 2, 3 of 252 orderings
  const u1 = mannWhitneyU([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]);
  assert.equal(u1.u, 1);
  near(u1.p, (2 * 2) / 252, 1e-12, 'U = 1 of 5 × 5');
  const u3 = mannWhitneyU([1, 2, 4, 5, 6], [3, 7, 8, 9, 10]);
  assert.equal(u3.u, 3);
  near(u3.p, (2 * 7) / 252, 1e-12, 'U = 3 of 5 × 5');
});

test('exact p agrees with the textbook critical values (two-sided α = 0.05)', () => {
  // n1 = n2 = 5: critical U = 2 (significant at 2, not at 3)
  assert.ok(mannWhitneyU([1, 2, 3, 5, 6], [4, 7, 8, 9, 10]).p < 0.05);
  assert.ok(mannWhitneyU([1, 2, 4, 5, 6], [3, 7, 8, 9, 10]).p > 0.05);
  // n1 = n2 = 10: critical U = 23
  const at23 = againstOneToTen([0, 1, 2, 2, 3, 3, 3, 3, 3, 3]);
  const at24 = againstOneToTen([0, 1, 2, 2, 3, 3, 3, 3, 3, 4]);
  const p23 = mannWhitneyU(at23.x, at23.y);
  const p24 = mannWhitneyU(at24.x, at24.y);
  assert.equal(p23.u, 23);
  assert.equal(p23.method, 'exact');
  assert.ok(p23.p < 0.05 && p23.p > 0.04, `U = 23: p ${p23.p}`);
  assert.ok(p24.p > 0.05 && p24.p < 0.06, `U = 24: p ${p24.p}`);
});

test('ties use midranks and the tie-corrected normal approximation, z computed by hand', () => {
  // x = 1 2 3 4 5, y = 3 4 5 6 7 8: midranks of x 1, 2, 3.5, 5.5, 7.5 → R = 19.5, U = 19.5 − 15 = 4.5
  // mean 15; three pairs tied: Σ(t³ − t) = 18; var = 30/12 · (12 − 18/110) = 29.5909…
  // z = (|4.5 − 15| − 0.5) / √29.5909 = 1.838320; p = 2 · (1 − Φ(z)) = 0.066015
  const result = mannWhitneyU([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);
  assert.equal(result.u, 4.5);
  assert.equal(result.method, 'normal');
  near(result.p, 0.066015, 2e-6, 'p');
});

test('more than 20 values use the normal approximation: interleaved odds and evens, z by hand', () => {
  // x = 1, 3, …, 41 and y = 2, 4, …, 42: U = 0 + 1 + … + 20 = 210, mean 220.5
  // var = 21 · 21 · 43 / 12 = 1580.25; z = (10.5 − 0.5) / 39.7524 = 0.251557; p = 0.801383
  const x = Array.from({ length: 21 }, (_, i) => 2 * i + 1);
  const y = Array.from({ length: 21 }, (_, i) => 2 * i + 2);
  const result = mannWhitneyU(x, y);
  assert.equal(result.u, 210);
  assert.equal(result.method, 'normal');
  near(result.p, 0.801383, 2e-6, 'p');
});

test('identical samples and all-tied samples give p = 1', () => {
  assert.equal(mannWhitneyU([5, 5, 5], [5, 5, 5]).p, 1);
  const sample = [120, 130, 140, 150];
  assert.equal(mannWhitneyU(sample, sample).p, 1);
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
});

test('the nearest-rank percentile is the ⌈p · n⌉-th smallest, as an HDR histogram reads it', () => {
  const values = [50, 10, 40, 20, 30];
  assert.equal(percentile(values, 50), 30); // ⌈2.5⌉ = 3rd
  assert.equal(percentile(values, 95), 50); // ⌈4.75⌉ = 5th
  assert.equal(percentile(values, 20), 10); // exactly the 1st
  assert.equal(percentile(values, 0), 10);
  // 0.95 · 20 is 19.000000000000004 in floating point: still the 19th, not the 20th
  assert.equal(nearestRankIndex(20, 95), 18);
  assert.equal(nearestRankIndex(100, 99), 98);
});

test('p95 is the sample maximum below 20 values, p99 below 100', () => {
  assert.equal(fewestValuesBelowMaximum(95), 20);
  assert.equal(fewestValuesBelowMaximum(99), 100);
  assert.equal(fewestValuesBelowMaximum(50), 2);
  assert.equal(nearestRankIndex(19, 95), 18); // the 19th of 19
  assert.equal(nearestRankIndex(20, 95), 18); // the 19th of 20
});

function normalSample(seed: number, key: string, count: number, meanMs: number, sdMs: number): number[] {
  const random = new SeededRandom(seed, key);
  return Array.from({ length: count }, () => meanMs + sdMs * random.normal());
}

test('the bootstrap interval of Δp95 covers a known shift and is the same for the same seed', () => {
  const a = normalSample(1, 'a', 200, 500, 20);
  const b = normalSample(1, 'b', 200, 550, 20);
  const options = { percentile: 95, seed: 7, key: 'ws|v2v' };
  const interval = bootstrapPercentileDifference(a, b, options);
  near(interval.estimate, percentile(b, 95) - percentile(a, 95), 1e-9, 'estimate');
  assert.ok(interval.low <= interval.estimate && interval.estimate <= interval.high, JSON.stringify(interval));
  assert.ok(interval.low > 30 && interval.high < 70, `interval around the 50 ms shift: ${JSON.stringify(interval)}`);
  assert.deepEqual(bootstrapPercentileDifference(a, b, options), interval);
  assert.notDeepEqual(bootstrapPercentileDifference(a, b, { ...options, seed: 8 }), interval);
});

test('the bootstrap interval of a difference between one sample and itself straddles 0', () => {
  const a = normalSample(2, 'a', 40, 500, 20);
  const interval = bootstrapPercentileDifference(a, a, { percentile: 95, seed: 1, key: 'same' });
  assert.equal(interval.estimate, 0);
  assert.ok(interval.low <= 0 && interval.high >= 0, JSON.stringify(interval));
});

test('the 95 % bootstrap interval covers the true Δp95 in most of many seeded trials', () => {
  // both normal with sd 20: the true p95 difference is exactly the 30 ms shift of the means
  let covered = 0;
  const trials = 100;
  for (let trial = 0; trial < trials; trial++) {
    const a = normalSample(trial, 'a', 100, 500, 20);
    const b = normalSample(trial, 'b', 100, 530, 20);
    const interval = bootstrapPercentileDifference(a, b, { percentile: 95, seed: trial, key: 'coverage', resamples: 500 });
    if (interval.low <= 30 && 30 <= interval.high) covered++;
  }
  // percentile intervals of a tail percentile are known to under-cover a little at n = 100
  assert.ok(covered >= 85, `covered ${covered}/${trials}`);
});
