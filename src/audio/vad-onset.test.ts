// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { firstSpeechFrame } from '../caller/replay.js';
import { DEFAULT_CORPUS_DIR, loadUtterance } from '../scenarios/corpus.js';
import { FRAME_MS, FRAME_SAMPLES } from './pcm.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS, loadVadModel, SpeechDetector, VAD_WINDOW_SAMPLES } from './vad.js';

/**
 * What bounds `bargein.detect`: the VAD classifies 32 ms windows while frames arrive every
 * 20 ms, so where a barge-in starts relative to the window grid (8 phases: the grids realign
 * every 2560 samples) decides which frame completes the first window the model rates as speech.
 * Pinned per phase, in frames after the one carrying the first voiced sample.
 */
async function onsetDelayMs(id: string, leadFrames: number): Promise<number | undefined> {
  const utterance = await loadUtterance(join(DEFAULT_CORPUS_DIR, 'interruptions', `${id}.wav`));
  const detector = new SpeechDetector(await loadVadModel(), { minSpeechMs: DEFAULT_BARGE_IN_MIN_SPEECH_MS });
  for (let i = 0; i < leadFrames; i++) await detector.push(new Int16Array(FRAME_SAMPLES)); // the line is silent while the bot talks
  const firstVoiced = firstSpeechFrame(utterance.speechStartMs);
  for (let frame = 0; frame * FRAME_SAMPLES < utterance.samples.length; frame++) {
    const events = await detector.push(utterance.samples.subarray(frame * FRAME_SAMPLES, (frame + 1) * FRAME_SAMPLES));
    if (events.some((event) => event.type === 'speech_start')) return (frame - firstVoiced) * FRAME_MS;
  }
  return undefined;
}

const PHASES = 8;
assert.equal((PHASES * FRAME_SAMPLES) % VAD_WINDOW_SAMPLES, 0);

for (const id of ['hold-on', 'actually-two']) {
  test(`${id}: onset is heard in the frame with the first voiced sample or the next, in every window phase`, async () => {
    const delays: (number | undefined)[] = [];
    for (let lead = 50; lead < 50 + PHASES; lead++) delays.push(await onsetDelayMs(id, lead));
    assert.ok(delays.every((delayMs) => delayMs === 0 || delayMs === FRAME_MS), `per phase: ${delays.join(', ')} ms`);
    assert.ok(delays.includes(0) && delays.includes(FRAME_MS), 'both occur, so the distribution spans a frame');
  });
}

test('uh-huh: a soft onset is heard later, but in every phase (the bot pauses for it)', async () => {
  const delays: (number | undefined)[] = [];
  for (let lead = 50; lead < 50 + PHASES; lead++) delays.push(await onsetDelayMs('uh-huh', lead));
  assert.ok(delays.every((delayMs) => delayMs !== undefined && delayMs <= 7 * FRAME_MS), `per phase: ${delays.join(', ')} ms`);
});
