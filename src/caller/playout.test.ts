// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import { TurnError } from './turn-error.js';
import { Playout } from './playout.js';

const clock: Clock = { nowMs: () => 0, sleepUntil: async () => undefined, sleep: async () => undefined };
const silence = (): Int16Array => new Int16Array(320);
const tone = (fromSample = 0): Int16Array => Int16Array.from({ length: 320 }, (_, i) => (i >= fromSample ? (i % 2 ? 8000 : -8000) : 0));

test('frames play back to back in real time from the first arrival', () => {
  const timeline = new Timeline(clock);
  const playout = new Playout(timeline);
  playout.push(silence(), 100);
  playout.push(tone(160), 100.5); // audible from its 10th ms
  playout.push(tone(), 101);
  assert.equal(timeline.get('caller.first_audio'), 100.5);
  assert.equal(timeline.get('caller.first_audio_played'), 100 + 20 + 10);
  assert.equal(playout.drainedAtMs, 160);
  assert.equal(playout.underruns, 0);
});

test('a jitter buffer delays the start; running dry restarts from the late arrival', () => {
  const timeline = new Timeline(clock);
  const playout = new Playout(timeline, 40);
  playout.push(tone(), 0);
  assert.equal(timeline.get('caller.first_audio_played'), 40);
  playout.push(tone(), 200); // the first frame finished at 60
  assert.equal(playout.underruns, 1);
  assert.equal(playout.drainedAtMs, 260);
});

test('audio sent far faster than real time fails the turn instead of growing the buffer', () => {
  const playout = new Playout(new Timeline(clock), 0, 1000);
  assert.throws(() => {
    for (let i = 0; i < 100; i++) playout.push(tone(), 0);
  }, (err: unknown) => err instanceof TurnError && /ahead of playback/.test(err.message));
});
