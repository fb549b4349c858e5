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
 * Marks `caller.first_byte` when the first frame of the reply arrives (audible or not) and
 * `caller.first_byte_played` when it starts playing; `caller.first_audio` when the frame holding
 * the first audible sample arrives and `caller.first_audio_played` when that sample plays. It
 * keeps timing, not audio.
 *
 * Barge-in: the agent can pause playback (what is buffered waits), resume it, or clear it
 * (what is buffered is dropped and later frames are ignored).
 */
export class Playout {
  #playheadMs: number | undefined;
  #underruns = 0;
  #receivedMs = 0;
  #pause: { atMs: number; bufferedMs: number } | undefined;
  #clearedAtMs: number | undefined;
  #playedAtClearMs = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly jitterBufferMs = 0,
    private readonly maxBufferedMs = MAX_BUFFERED_PLAYOUT_MS,
  ) {}

  /** `arrivalMs`: when the frame reached the caller, on the turn's clock. */
  push(frame: Int16Array, arrivalMs: number): void {
    if (this.#clearedAtMs !== undefined) return;
    const frameMs = samplesToMs(frame.length);
    this.#receivedMs += frameMs;
    if (this.#pause) {
      this.#pause.bufferedMs += frameMs;
      this.checkBuffered(this.#pause.bufferedMs);
      return;
    }
    let startMs = this.#playheadMs ?? arrivalMs + this.jitterBufferMs;
    if (startMs < arrivalMs) {
      // ran dry: this frame waits for the buffer to refill before it plays
      if (this.#playheadMs !== undefined) this.#underruns++;
      startMs = arrivalMs + this.jitterBufferMs;
    }
    if (!this.timeline.has('caller.first_byte')) {
      this.timeline.mark('caller.first_byte', arrivalMs);
      this.timeline.mark('caller.first_byte_played', startMs);
    }
    if (!this.timeline.has('caller.first_audio')) {
      const audibleIndex = firstAudibleSample(frame);
      if (audibleIndex !== undefined) {
        this.timeline.mark('caller.first_audio', arrivalMs);
        this.timeline.mark('caller.first_audio_played', startMs + samplesToMs(audibleIndex));
      }
    }
    this.#playheadMs = startMs + frameMs;
    this.checkBuffered(this.#playheadMs - arrivalMs);
  }

  private checkBuffered(bufferedMs: number): void {
    if (bufferedMs > this.maxBufferedMs) {
      throw new TurnError('agent', `the agent sent audio ${(bufferedMs / 1000).toFixed(1)} s ahead of playback; it must pace audio in real time`);
    }
  }

  /** Holds playback at `atMs`; what is buffered then, and what arrives meanwhile, waits. */
  pause(atMs: number): void {
    if (this.#pause || this.#clearedAtMs !== undefined) return;
    this.#pause = { atMs, bufferedMs: this.bufferedAt(atMs) };
  }

  /** Playback goes on from where it was held. */
  resume(atMs: number): void {
    const pause = this.#pause;
    if (!pause) return;
    this.#pause = undefined;
    if (pause.bufferedMs > 0) this.#playheadMs = atMs + pause.bufferedMs;
  }

  /** Drops what is buffered and ignores later frames; returns when bot audio was last heard. */
  clear(atMs: number): number {
    if (this.#clearedAtMs === undefined) {
      this.#playedAtClearMs = this.playedMs(atMs);
      this.#clearedAtMs = this.lastHeardAt(atMs);
      this.#pause = undefined;
      this.#playheadMs = this.#clearedAtMs;
    }
    return this.#clearedAtMs;
  }

  /**
   * Drops what is buffered at `atMs` and plays what arrives later (Twilio's `clear`, a Realtime
   * client stopping its playback); returns when bot audio was last heard.
   */
  dropQueued(atMs: number): number {
    if (this.#clearedAtMs !== undefined) return this.#clearedAtMs;
    const heardUntilMs = this.lastHeardAt(atMs);
    const droppedMs = this.#pause ? this.#pause.bufferedMs : this.bufferedAt(atMs);
    this.#receivedMs -= droppedMs;
    this.#pause = undefined;
    if (this.#playheadMs !== undefined) this.#playheadMs = Math.min(this.#playheadMs, heardUntilMs);
    return heardUntilMs;
  }

  /** Audio has been received and some of it is still to play at `atMs`. */
  playingAt(atMs: number): boolean {
    if (this.#clearedAtMs !== undefined || this.#playheadMs === undefined) return false;
    return this.#pause !== undefined ? this.#pause.bufferedMs > 0 : this.#playheadMs > atMs;
  }

  get paused(): boolean {
    return this.#pause !== undefined;
  }

  /** When bot audio was last heard, as of `atMs`: the pause, the end of playback, or `atMs` itself while playing. */
  lastHeardAt(atMs: number): number {
    if (this.#clearedAtMs !== undefined) return this.#clearedAtMs;
    if (this.#pause) return Math.min(this.#pause.atMs, this.#playheadMs ?? this.#pause.atMs);
    return Math.min(atMs, this.#playheadMs ?? atMs);
  }

  /** Bot audio played by `atMs` (received audio minus what still waits in the buffer). */
  playedMs(atMs: number): number {
    if (this.#clearedAtMs !== undefined) return this.#playedAtClearMs;
    if (this.#pause) return this.#receivedMs - this.#pause.bufferedMs;
    return this.#receivedMs - this.bufferedAt(atMs);
  }

  private bufferedAt(atMs: number): number {
    return this.#playheadMs === undefined ? 0 : Math.max(0, this.#playheadMs - atMs);
  }

  /** When the last frame received so far finishes playing; undefined before any audio and while paused. */
  get drainedAtMs(): number | undefined {
    return this.#pause ? undefined : this.#playheadMs;
  }

  /** Times playback ran dry between the first and the last frame. */
  get underruns(): number {
    return this.#underruns;
  }
}
