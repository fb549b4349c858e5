// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSpeechBoundsMethod, measureSpeechBounds } from './speech-bounds.js';

const RATE_HZ = 16_000;

/** A square wave at `levelDbfs` (its RMS equals its amplitude) between given offsets. */
function silenceSignalSilence(totalMs: number, signalStartMs: number, signalEndMs: number, levelDbfs: number): Int16Array {
  const samples = new Int16Array(Math.round((totalMs * RATE_HZ) / 1000));
  const amplitude = Math.round(32768 * 10 ** (levelDbfs / 20));
  const from = Math.round((signalStartMs * RATE_HZ) / 1000);
  const to = Math.round((signalEndMs * RATE_HZ) / 1000);
  for (let i = from; i < to; i++) samples[i] = i % 40 < 20 ? amplitude : -amplitude;
  return samples;
}

test('bounds of a signal aligned to the 10 ms grid are exact', () => {
  const samples = silenceSignalSilence(1500, 300, 1300, -20);
  assert.deepEqual(measureSpeechBounds(samples, RATE_HZ), { speechStartMs: 300, speechEndMs: 1300 });
});

test('a signal off the grid widens to the windows it touches', () => {
  // Half of the 300–310 ms and 1300–1310 ms windows hold signal at −20 dBFS: −23 dBFS RMS, above −40.
  const samples = silenceSignalSilence(1500, 305, 1305, -20);
  assert.deepEqual(measureSpeechBounds(samples, RATE_HZ), { speechStartMs: 300, speechEndMs: 1310 });
});

test('level decides: −35 dBFS is speech, −45 dBFS is not', () => {
  assert.deepEqual(measureSpeechBounds(silenceSignalSilence(1000, 200, 700, -35), RATE_HZ), {
    speechStartMs: 200,
    speechEndMs: 700,
  });
  assert.equal(measureSpeechBounds(silenceSignalSilence(1000, 200, 700, -45), RATE_HZ), null);
});

test('pauses inside the speech do not move the bounds', () => {
  const samples = silenceSignalSilence(2000, 300, 1700, -20);
  samples.fill(0, Math.round(0.8 * RATE_HZ), Math.round(1.2 * RATE_HZ));
  assert.deepEqual(measureSpeechBounds(samples, RATE_HZ), { speechStartMs: 300, speechEndMs: 1700 });
});

test('speech running into a short last window ends at the last sample', () => {
  // 1005 ms long: the last window is 5 ms.
  const samples = silenceSignalSilence(1005, 500, 1005, -20);
  assert.deepEqual(measureSpeechBounds(samples, RATE_HZ), { speechStartMs: 500, speechEndMs: 1005 });
});

test('digital silence and empty input have no bounds', () => {
  assert.equal(measureSpeechBounds(new Int16Array(16_000), RATE_HZ), null);
  assert.equal(measureSpeechBounds(new Int16Array(0), RATE_HZ), null);
});

test('window and threshold are options, at other sample rates too', () => {
  const samples = new Int16Array(8000); // 1 s at 8 kHz
  samples.fill(1000, 2000, 6000); // 250–750 ms at −30.3 dBFS
  assert.deepEqual(measureSpeechBounds(samples, 8000), { speechStartMs: 250, speechEndMs: 750 });
  assert.deepEqual(measureSpeechBounds(samples, 8000, { windowMs: 20 }), { speechStartMs: 240, speechEndMs: 760 });
  assert.equal(measureSpeechBounds(samples, 8000, { thresholdDbfs: -30 }), null);
});

test('bad parameters are refused', () => {
  assert.throws(() => measureSpeechBounds(new Int16Array(10), 0), RangeError);
  assert.throws(() => measureSpeechBounds(new Int16Array(10), RATE_HZ, { windowMs: 0 }), RangeError);
  assert.throws(() => measureSpeechBounds(new Int16Array(10), RATE_HZ, { thresholdDbfs: 3 }), RangeError);
});

test('the method description names its parameters', () => {
  const text = describeSpeechBoundsMethod();
  assert.match(text, /10 ms windows/);
  assert.match(text, /-40 dBFS/);
});
