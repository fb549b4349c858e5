import { FRAME_MS, FRAME_SAMPLES, msToSamples } from '../audio/pcm.js';
import type { Clock } from '../metrics/clock.js';

export interface SentFrame {
  index: number;
  samples: Int16Array;
  /** When the frame left the caller (monotonic ms). */
  sentAtMs: number;
  /** True once the recording is exhausted and the microphone only hears silence. */
  afterRecording: boolean;
}

/**
 * Replays a recording as a microphone would deliver it: 20 ms frames, frame i leaving when its
 * last sample has been "spoken", at start + (i + 1) × 20 ms on a drift-free schedule (a late
 * wake-up does not push later frames back). After the recording ends it keeps delivering
 * silence until the consumer stops iterating, as a live microphone would.
 */
export async function* replayFrames(recording: Int16Array, clock: Clock, signal: AbortSignal): AsyncGenerator<SentFrame> {
  const startMs = clock.nowMs();
  const silence = new Int16Array(FRAME_SAMPLES);
  for (let index = 0; ; index++) {
    await clock.sleepUntil(startMs + (index + 1) * FRAME_MS, signal);
    const sentAtMs = clock.nowMs();
    const offset = index * FRAME_SAMPLES;
    if (offset >= recording.length) {
      yield { index, samples: silence, sentAtMs, afterRecording: true };
      continue;
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(recording.subarray(offset, offset + FRAME_SAMPLES));
    yield { index, samples: frame, sentAtMs, afterRecording: false };
  }
}

/** The frame carrying the first voiced sample of speech that starts at `speechStartMs`. */
export function firstSpeechFrame(speechStartMs: number): number {
  return Math.floor(msToSamples(speechStartMs) / FRAME_SAMPLES);
}

/** The frame carrying the last voiced sample of speech that ends at `speechEndMs`. */
export function lastSpeechFrame(speechEndMs: number): number {
  return Math.floor(Math.max(0, msToSamples(speechEndMs) - 1) / FRAME_SAMPLES);
}
