// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SAMPLES } from '../audio/pcm.js';
import { SteppedClock } from '../metrics/stepped-clock.js';
import { Timeline } from '../metrics/timeline.js';
import { OutboundAudio } from './outbound-audio.js';

const signal = new AbortController().signal;
const speech = (ms: number): Int16Array => Int16Array.from({ length: (ms * 16_000) / 1000 }, (_, i) => (i % 2 ? 6000 : -6000));

test('audio leaves in 20 ms frames, the first second at once, then one frame per 20 ms', async () => {
  const clock = new SteppedClock();
  const sentAtMs: number[] = [];
  const outbound = new OutboundAudio(clock, (frame) => {
    assert.equal(frame.length, FRAME_SAMPLES);
    sentAtMs.push(clock.nowMs());
  }, new Timeline(clock), 1000);
  await outbound.write(speech(3000), signal);
  assert.equal(sentAtMs.length, 150);
  sentAtMs.forEach((atMs, index) => assert.equal(atMs, Math.max(0, index * 20 - 1000), `frame ${index}`));
});

test('the TTS stream is held to the same bound: it is never read more than the lead ahead of playback', async () => {
  const clock = new SteppedClock();
  let pulledMs = 0;
  let maxLeadMs = 0;
  async function* tts(): AsyncGenerator<Int16Array> {
    for (let i = 0; i < 100; i++) {
      pulledMs += 40;
      // what has been produced minus what the caller can have played by now
      maxLeadMs = Math.max(maxLeadMs, pulledMs - clock.nowMs());
      yield speech(40);
    }
  }
  const outbound = new OutboundAudio(clock, () => undefined, new Timeline(clock), 500);
  for await (const chunk of tts()) await outbound.write(chunk, signal);
  assert.equal(outbound.sentFrames, 200);
  // the lead, plus the chunk just pulled and the frame in flight
  assert.ok(maxLeadMs <= 500 + 40 + 20, `TTS read ${maxLeadMs} ms ahead of playback`);
});

test('when the TTS falls behind, the playhead restarts from now instead of bursting to catch up', async () => {
  const clock = new SteppedClock();
  const sentAtMs: number[] = [];
  const outbound = new OutboundAudio(clock, () => sentAtMs.push(clock.nowMs()), new Timeline(clock), 100);
  await outbound.write(speech(200), signal); // 10 frames: 0..5 at once, then one per 20 ms
  clock.nowMsValue = 2000; // the TTS stalls well past the end of what was sent
  await outbound.write(speech(200), signal);
  // the frame that plays now plus 100 ms of lead leave at once, then one per 20 ms
  assert.deepEqual(sentAtMs.slice(10), [2000, 2000, 2000, 2000, 2000, 2000, 2020, 2040, 2060, 2080]);
});

test('marks agent.first_audio_out on the first audible frame; a partial last frame is padded', async () => {
  const clock = new SteppedClock();
  const timeline = new Timeline(clock);
  const frames: Int16Array[] = [];
  const outbound = new OutboundAudio(clock, (frame) => frames.push(frame), timeline, 0);
  await outbound.write(new Int16Array(FRAME_SAMPLES * 2), signal); // 40 ms of silence
  assert.equal(timeline.has('agent.first_audio_out'), false);
  await outbound.write(speech(30), signal);
  assert.equal(timeline.get('agent.first_audio_out'), 40);
  await outbound.flush(signal);
  assert.equal(frames.length, 4);
  assert.deepEqual([...(frames[3] as Int16Array).subarray(160)], new Array(160).fill(0));
});
