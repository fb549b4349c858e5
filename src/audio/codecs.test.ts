// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SAMPLES } from './pcm.js';
import { CODEC_NAMES, createDecoder, createEncoder } from './codecs.js';

/** 440 Hz at -12 dBFS, 20 ms frames, continuous across frames. */
function tone(index: number): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, k) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * (index * FRAME_SAMPLES + k)) / 16_000)));
}

function rms(samples: Int16Array): number {
  return Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
}

for (const name of CODEC_NAMES) {
  test(`${name}: 20 ms frames round-trip to 20 ms frames with the tone's level and frequency`, async () => {
    const encoder = await createEncoder(name);
    const decoder = await createDecoder(name);
    const decoded: Int16Array[] = [];
    for (let i = 0; i < 25; i++) {
      const payload = encoder.encode(tone(i));
      if (name === 'pcmu') assert.equal(payload.length, 160, 'G.711: one byte per 8 kHz sample');
      else assert.ok(payload.length > 0 && payload.length < 200, `opus payload ${payload.length} bytes`);
      const frame = decoder.decode(payload);
      assert.equal(frame.length, FRAME_SAMPLES);
      decoded.push(frame);
    }
    const steady = decoded.slice(10);
    const level = steady.reduce((sum, frame) => sum + rms(frame), 0) / steady.length;
    assert.ok(Math.abs(level - 8000 / Math.SQRT2) < 8000 / Math.SQRT2 * 0.2, `rms ${level.toFixed(0)}`);
    // the decoded energy is the 440 Hz tone's: its DFT bin holds nearly all of it
    const joined = Int16Array.from(steady.flatMap((frame) => [...frame]));
    let re = 0;
    let im = 0;
    let energy = 0;
    joined.forEach((sample, k) => {
      re += sample * Math.cos((2 * Math.PI * 440 * k) / 16_000);
      im -= sample * Math.sin((2 * Math.PI * 440 * k) / 16_000);
      energy += sample * sample;
    });
    const toneShare = (2 * (re * re + im * im)) / joined.length / energy;
    assert.ok(toneShare > 0.9, `440 Hz holds ${(toneShare * 100).toFixed(1)} % of the energy`);
    encoder.close();
    decoder.close();
  });
}
