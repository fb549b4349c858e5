// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstAudibleSample } from './audibility.js';

function tone(samples: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / 16000)));
}

test('leading silence and dither are skipped; the first audible window is found', () => {
  const audio = new Int16Array(16000);
  for (let i = 0; i < 4800; i++) audio[i] = (i % 3) - 1; // ±1 LSB dither: inaudible
  audio.set(tone(8000, 8000), 4800);
  assert.equal(firstAudibleSample(audio), 4800);
});

test('all silence has no audible sample', () => {
  assert.equal(firstAudibleSample(new Int16Array(3200)), undefined);
});

test('a quiet but audible signal counts (-40 dBFS)', () => {
  const audio = new Int16Array(3200);
  audio.set(tone(1600, 32768 * 10 ** (-40 / 20) * Math.SQRT2), 1600);
  assert.equal(firstAudibleSample(audio), 1600);
});
