import { firstAudibleSample } from '../audio/audibility.js';
import { samplesToMs } from '../audio/pcm.js';
import type { Timeline } from '../metrics/timeline.js';
import { TurnError } from './turn-error.js';

/**
 * More bot audio buffered at the caller than this means the agent sends far faster than real
 * time (the protocol lets it run ~1 s ahead): the turn fails rather than let memory grow.
 */
export const MAX_BUFFERED_PLAYOUT_MS = 10_000;

/**
 * The caller's loudspeaker: frames of bot audio play in real time, in order, each as soon as
 * it has arrived and the previous one has finished. Playback starts `jitterBufferMs` after the
 * first frame arrives (and again after running dry), as a browser's jitter buffer would.
 *
 * Marks `caller.first_audio` when the frame holding the first audible sample arrives and
 * `caller.first_audio_played` when that sample plays. It keeps timing, not audio.
 */
export class Playout {
  #playheadMs: number | undefined;
  #underruns = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly jitterBufferMs = 0,
    private readonly maxBufferedMs = MAX_BUFFERED_PLAYOUT_MS,
  ) {}

  /** `arrivalMs`: when the frame reached the caller, on the turn's clock. */
  push(frame: Int16Array, arrivalMs: number): void {
    let startMs = this.#playheadMs ?? arrivalMs + this.jitterBufferMs;
    if (startMs < arrivalMs) {
      // ran dry: this frame waits for the buffer to refill before it plays
      if (this.#playheadMs !== undefined) this.#underruns++;
      startMs = arrivalMs + this.jitterBufferMs;
    }
    if (!this.timeline.has('caller.first_audio')) {
      const audibleIndex = firstAudibleSample(frame);
      if (audibleIndex !== undefined) {
        this.timeline.mark('caller.first_audio', arrivalMs);
        this.timeline.mark('caller.first_audio_played', startMs + samplesToMs(audibleIndex));
      }
    }
    this.#playheadMs = startMs + samplesToMs(frame.length);
    if (this.#playheadMs - arrivalMs > this.maxBufferedMs) {
      throw new TurnError('agent', `the agent sent audio ${((this.#playheadMs - arrivalMs) / 1000).toFixed(1)} s ahead of playback; it must pace audio in real time`);
    }
  }

  /** When the last frame received so far finishes playing; undefined before any audio. */
  get drainedAtMs(): number | undefined {
    return this.#playheadMs;
  }

  /** Times playback ran dry between the first and the last frame. */
  get underruns(): number {
    return this.#underruns;
  }
}
