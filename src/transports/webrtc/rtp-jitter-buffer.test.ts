import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FRAME_SAMPLES } from '../../audio/pcm.js';
import type { Clock } from '../../metrics/clock.js';
import { RtpJitterBuffer } from './rtp-jitter-buffer.js';

/** The buffer reads the time from this clock; its concealment timer is real, so tests wait a few ms for it. */
function manualClock(): Clock & { nowMs(): number; set(ms: number): void } {
  let now = 0;
  return {
    nowMs: () => now,
    set: (ms: number) => {
      now = ms;
    },
    sleepUntil: () => Promise.resolve(),
    sleep: () => Promise.resolve(),
  };
}

function frameOf(value: number): Int16Array {
  return new Int16Array(FRAME_SAMPLES).fill(value);
}

function buffer(jitterBufferMs: number): { clock: ReturnType<typeof manualClock>; jb: RtpJitterBuffer; out: { value: number; arrivalMs: number; concealed: boolean }[] } {
  const clock = manualClock();
  const out: { value: number; arrivalMs: number; concealed: boolean }[] = [];
  const jb = new RtpJitterBuffer({
    clock,
    jitterBufferMs,
    decode: (payload) => frameOf(payload.readInt16BE(0)),
    emit: (frame, arrivalMs, concealed) => out.push({ value: frame[0] ?? 0, arrivalMs, concealed }),
    onError: (err) => {
      throw err;
    },
  });
  return { clock, jb, out };
}

function packet(value: number): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeInt16BE(value, 0);
  return payload;
}

function arrive(target: ReturnType<typeof buffer>, sequenceNumber: number, atMs: number): void {
  target.clock.set(atMs);
  target.jb.push(sequenceNumber, packet(1000 + sequenceNumber), atMs);
}

test('a reordered packet that arrives before its frame is due plays in order, unconcealed', () => {
  const target = buffer(40);
  arrive(target, 0, 0); // plays 40–60
  arrive(target, 1, 20); // 60–80
  arrive(target, 3, 60); // 2 is due at 80: wait
  arrive(target, 2, 70);
  assert.deepEqual(
    target.out.map((frame) => frame.value),
    [1000, 1001, 1002, 1003],
  );
  assert.deepEqual(target.jb.stats, { played: 4, concealed: 0, expired: 0, late: 0 });
  target.jb.close();
});

test('a lost packet is concealed when its frame is due, by the last frame faded, and a late arrival is dropped', async () => {
  const target = buffer(40);
  arrive(target, 0, 0); // 40–60
  arrive(target, 1, 20); // 60–80
  arrive(target, 3, 60); // 2 is due at 80
  assert.equal(target.out.length, 2, 'waits for the missing frame until it is due');
  target.clock.set(80);
  await sleep(30);
  assert.deepEqual(
    target.out.map((frame) => [frame.value, frame.concealed, frame.arrivalMs]),
    [
      [1000, false, 0],
      [1001, false, 20],
      [1001, true, 80],
      [1003, false, 60],
    ],
  );
  arrive(target, 2, 90);
  assert.deepEqual(target.jb.stats, { played: 3, concealed: 1, expired: 0, late: 1 });
  target.jb.close();
});

test('with no jitter buffer a gap is concealed as soon as a later packet shows it, fading frame by frame', () => {
  const target = buffer(0);
  arrive(target, 0, 0); // 0–20
  arrive(target, 4, 80); // 1, 2, 3 were due at 20, 40, 60
  assert.deepEqual(
    target.out.map((frame) => [frame.value, frame.concealed]),
    [
      [1000, false],
      [1000, true],
      [500, true],
      [250, true],
      [1004, false],
    ],
  );
  assert.equal(target.jb.stats.concealed, 3);
  target.jb.close();
});

test('frames missing at the end of a burst are not concealed into the next one: their moment has passed', () => {
  const target = buffer(40);
  arrive(target, 0, 0); // plays 40–60; 1 and 2 (the end of the burst) are lost
  arrive(target, 3, 3_000); // the next burst, seconds later
  assert.deepEqual(
    target.out.map((frame) => [frame.value, frame.concealed, frame.arrivalMs]),
    [
      [1000, false, 0],
      [1003, false, 3_000],
    ],
  );
  assert.deepEqual(target.jb.stats, { played: 2, concealed: 0, expired: 2, late: 0 });
  target.jb.close();
});
