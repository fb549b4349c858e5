// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccuracy, binomialTail } from './helpers.js';

test('binomial tail', () => {
  assert.ok(Math.abs(binomialTail(6, 0.01, 1) - (1 - 0.99 ** 6)) < 1e-12);
  assert.ok(Math.abs(binomialTail(10, 0.5, 10) - 0.5 ** 10) < 1e-12);
  assert.equal(binomialTail(5, 0.3, 0), 1);
});

test('the accuracy check fails a shifted median, too many slow turns, or one far-off turn', () => {
  assertAccuracy('exact', [100, 100.2, 99.9, 100.1, 100, 100], 100);
  assertAccuracy('one hiccup in six', [100, 100.2, 104.5, 100.1, 100, 100], 100);
  assert.throws(() => assertAccuracy('shifted', [101.5, 101.6, 101.4, 101.5, 101.5, 101.5], 100), /median error/);
  assert.throws(() => assertAccuracy('two slow of six', [100, 104, 104.5, 100.1, 100, 100], 100), /2 of 6 turns beyond ±3 ms/);
  assert.throws(() => assertAccuracy('a misplaced mark', [100, 120, 100, 100.1, 100, 100], 100), /an error of 20\.00 ms/);
  assertAccuracy('a host stall explains it', [100, 127.7, 100, 100.1, 100, 100], 100, [0, 26.5, 0, 0, 0, 0]);
  assert.throws(() => assertAccuracy('a stall too short to explain it', [100, 127.7, 100, 100.1, 100, 100], 100, [0, 8, 0, 0, 0, 0]), /an error of 27\.70 ms .*more than the 8\.0 ms event-loop stall/);
  assert.throws(() => assertAccuracy('a stall in another turn', [100, 120, 100, 100.1, 100, 100], 100, [30, 0, 0, 0, 0, 0]), /an error of 20\.00 ms .*no event-loop stall in that turn/);
  assertAccuracy('per-turn expectations', [380.2, 400.1], [380, 400]);
});
