// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../metrics/clock.js';
import type { Scheduler } from './delivery-timer.js';
import { LossProcess } from './impairment.js';
import { SeededRandom } from '../../seeded-random.js';
import { NO_IMPAIRMENT, type NetworkSpec } from './network-profile.js';
import { MIN_RTO_MS, MSS_BYTES, retransmissionTimeoutMs, TcpStreamImpairment } from './tcp-stream.js';

/** Virtual time: callbacks run in time order when the test advances the clock. */
class VirtualTime implements Scheduler {
  nowMs = 0;
  readonly #pending: { atMs: number; run: () => void }[] = [];
  readonly clock: Clock = {
    nowMs: () => this.nowMs,
    sleepUntil: () => Promise.resolve(),
    sleep: () => Promise.resolve(),
  };

  schedule(atMs: number, run: () => void): void {
    this.#pending.push({ atMs, run });
    this.#pending.sort((a, b) => a.atMs - b.atMs);
  }

  advanceTo(targetMs: number): void {
    while (this.#pending.length > 0 && (this.#pending[0] as { atMs: number }).atMs <= targetMs) {
      const next = this.#pending.shift() as { atMs: number; run: () => void };
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.run();
    }
    this.nowMs = targetMs;
  }
}

function stream(spec: NetworkSpec, seed: number, time: VirtualTime): { impairment: TcpStreamImpairment; arrivals: { atMs: number; data: string }[] } {
  const arrivals: { atMs: number; data: string }[] = [];
  const impairment = new TcpStreamImpairment(spec, seed, 'test', time.clock, time, (data) => arrivals.push({ atMs: time.nowMs, data: data.toString() }));
  return { impairment, arrivals };
}

/** A seed whose first `pattern.length` loss decisions on the 'test' stream are `pattern`, and whose first retransmission gets through. */
function seedWithFates(spec: NetworkSpec, pattern: boolean[]): number {
  for (let seed = 0; seed < 100_000; seed++) {
    const process = new LossProcess(spec.loss, spec.burst, new SeededRandom(seed, 'test|loss'));
    if (pattern.every((lost) => process.next() === lost) && new SeededRandom(seed, 'test|retransmit').next() >= spec.loss) return seed;
  }
  throw new Error('no seed gives that pattern');
}

test('a segment arrives one delay after it is sent, and the stream keeps its bytes and order', () => {
  const time = new VirtualTime();
  const { impairment, arrivals } = stream({ ...NO_IMPAIRMENT, delayMs: 25 }, 1, time);
  impairment.push(Buffer.from('a'), 0);
  impairment.push(Buffer.from('b'), 20);
  time.advanceTo(1_000);
  assert.deepEqual(arrivals, [
    { atMs: 25, data: 'a' },
    { atMs: 45, data: 'b' },
  ]);
});

test('a lost segment followed by more data stalls the stream for the gap plus one round trip, and what follows waits behind it', () => {
  const spec = { ...NO_IMPAIRMENT, delayMs: 10, loss: 0.5 };
  const seed = seedWithFates(spec, [true, false, false]);
  const time = new VirtualTime();
  const { impairment, arrivals } = stream(spec, seed, time);
  impairment.push(Buffer.from('a'), 0);
  impairment.push(Buffer.from('b'), 20);
  impairment.push(Buffer.from('c'), 21);
  time.advanceTo(2_000);
  // b's acknowledgement reaches the sender at 20 + 2·10; the retransmission takes 10 more
  assert.deepEqual(
    arrivals.map((arrival) => [arrival.data, arrival.atMs]),
    [
      ['a', 50],
      ['b', 50],
      ['c', 50],
    ],
  );
  assert.deepEqual(impairment.stats.stallsMs, [40]);
  assert.deepEqual(impairment.stats.lostIndexes, [0]);
});

test('a lost segment with nothing behind it waits for the retransmission timer (≥ 200 ms)', () => {
  const spec = { ...NO_IMPAIRMENT, delayMs: 10, loss: 0.5 };
  const seed = seedWithFates(spec, [true]);
  const time = new VirtualTime();
  const { impairment, arrivals } = stream(spec, seed, time);
  impairment.push(Buffer.from('a'), 0);
  time.advanceTo(5_000);
  const rtoMs = retransmissionTimeoutMs(spec);
  assert.equal(rtoMs, 20 + MIN_RTO_MS);
  assert.equal(arrivals.length, 1);
  assert.ok(arrivals[0]?.atMs !== undefined && arrivals[0].atMs >= rtoMs + 10, `arrived at ${arrivals[0]?.atMs}`);
});

test('a large write is cut into MSS segments, and bandwidth spaces them at the rate', () => {
  const time = new VirtualTime();
  const { impairment, arrivals } = stream({ ...NO_IMPAIRMENT, bandwidthBps: 1e6 }, 1, time);
  impairment.push(Buffer.alloc(MSS_BYTES * 10, 120), 0);
  time.advanceTo(10_000);
  assert.equal(arrivals.length, 10);
  const lastMs = arrivals.at(-1)?.atMs ?? NaN;
  assert.ok(Math.abs(lastMs - (MSS_BYTES * 10 * 8) / 1e3) < 1e-9, `last segment at ${lastMs} ms`);
});

test('loss over many segments: the count is within the binomial bound and every byte arrives in order', () => {
  const spec = { ...NO_IMPAIRMENT, delayMs: 5, loss: 0.05 };
  const time = new VirtualTime();
  const { impairment, arrivals } = stream(spec, 3, time);
  const n = 4_000;
  for (let i = 0; i < n; i++) impairment.push(Buffer.from(String(i % 10)), i * 20);
  time.advanceTo(n * 20 + 10_000);
  const sd = Math.sqrt(n * 0.05 * 0.95);
  assert.ok(Math.abs(impairment.stats.lost - n * 0.05) <= 4 * sd, `${impairment.stats.lost} lost`);
  assert.equal(arrivals.map((arrival) => arrival.data).join(''), Array.from({ length: n }, (_, i) => String(i % 10)).join(''));
  for (let i = 1; i < arrivals.length; i++) assert.ok((arrivals[i]?.atMs ?? 0) >= (arrivals[i - 1]?.atMs ?? 0), 'never overtakes');
});
