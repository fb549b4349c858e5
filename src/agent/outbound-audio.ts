import { firstAudibleSample } from '../audio/audibility.js';
import { FRAME_MS, FRAME_SAMPLES } from '../audio/pcm.js';
import type { Clock } from '../metrics/clock.js';
import type { Timeline } from '../metrics/timeline.js';

/**
 * How far ahead of real time the agent may send bot audio. The caller plays out in real time,
 * so anything sent earlier only waits in its buffer; bounding it bounds the memory a slow or
 * stuck caller can cost, and keeps an interruption from leaving seconds of queued audio behind.
 */
export const DEFAULT_MAX_AHEAD_MS = 1000;

/** Where paced frames go: the transport's send, which throws when the peer is gone or stuck. */
export type FrameSink = (frame: Int16Array) => void;

/**
 * Turns the TTS's chunks into 20 ms frames and sends them no more than `maxAheadMs` ahead of
 * the caller's playback. It keeps its own estimate of the caller's playhead: the first frame
 * plays on arrival, each next one 20 ms later, and if the agent falls behind (TTS slower than
 * real time) the caller has run dry and the next frame plays on arrival again.
 *
 * `write` resolves when its audio has been handed to the transport, so a TTS stream awaiting
 * it is held back to the same bound (backpressure up to the provider).
 * Marks `agent.first_audio_out` when the frame holding the first audible sample leaves.
 */
export class OutboundAudio {
  readonly #pending = new Int16Array(FRAME_SAMPLES);
  #pendingSamples = 0;
  #playheadMs: number | undefined;
  #sentFrames = 0;
  #audibleSent = false;
  /** Set while barge-in holds the audio: when, and what releases the sender. */
  #pause: { atMs: number; released: Promise<void>; release: () => void } | undefined;
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly sink: FrameSink,
    private readonly timeline: Timeline,
    private readonly maxAheadMs = DEFAULT_MAX_AHEAD_MS,
  ) {}

  get sentFrames(): number {
    return this.#sentFrames;
  }

  /** Audio handed to the transport so far. */
  get sentMs(): number {
    return this.#sentFrames * FRAME_MS;
  }

  /**
   * Barge-in onset: no frame leaves until `resume` or `stop`. Takes effect at once, whatever the
   * sender is waiting on; the caller is told to hold its playback too.
   */
  pause(): void {
    if (this.#pause || this.#stopped) return;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#pause = { atMs: this.clock.nowMs(), released, release };
  }

  /** A false interruption: sending goes on, and the caller's playhead moved on by the pause. */
  resume(): void {
    const pause = this.#pause;
    if (!pause) return;
    this.#pause = undefined;
    if (this.#playheadMs !== undefined && this.#playheadMs > pause.atMs) this.#playheadMs += this.clock.nowMs() - pause.atMs;
    pause.release();
  }

  /** Barge-in committed: nothing more is sent; what is pending is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#pendingSamples = 0;
    this.#pause?.release();
  }

  /**
   * The agent's estimate of how much of the sent audio the caller has played by `atMs` (or by
   * the pause): sent audio minus what is still ahead of the caller's playhead.
   */
  heardMs(atMs: number = this.clock.nowMs()): number {
    const asOfMs = this.#pause ? Math.min(this.#pause.atMs, atMs) : atMs;
    const aheadMs = this.#playheadMs === undefined ? 0 : Math.max(0, this.#playheadMs - asOfMs);
    return Math.max(0, this.sentMs - aheadMs);
  }

  /** When the caller will have played everything sent so far (estimate); undefined before any audio. */
  get playedOutAtMs(): number | undefined {
    if (this.#playheadMs === undefined) return undefined;
    return this.#pause ? this.#playheadMs + (this.clock.nowMs() - this.#pause.atMs) : this.#playheadMs;
  }

  async write(samples: Int16Array, signal: AbortSignal): Promise<void> {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(FRAME_SAMPLES - this.#pendingSamples, samples.length - offset);
      this.#pending.set(samples.subarray(offset, offset + take), this.#pendingSamples);
      this.#pendingSamples += take;
      offset += take;
      if (this.#pendingSamples === FRAME_SAMPLES) await this.sendPending(signal);
    }
  }

  /** Sends what is left as a last frame padded with silence. */
  async flush(signal: AbortSignal): Promise<void> {
    if (this.#pendingSamples === 0) return;
    this.#pending.fill(0, this.#pendingSamples);
    await this.sendPending(signal);
  }

  private async sendPending(signal: AbortSignal): Promise<void> {
    for (;;) {
      while (this.#pause && !this.#stopped) await untilReleased(this.#pause.released, signal);
      if (this.#stopped) return;
      const nowMs = this.clock.nowMs();
      if (this.#playheadMs === undefined || this.#playheadMs < nowMs) this.#playheadMs = nowMs;
      await this.clock.sleepUntil(this.#playheadMs - this.maxAheadMs, signal);
      if (!this.#pause && !this.#stopped) break; // paused while waiting: wait again, then re-pace
    }
    const frame = this.#pending.slice();
    this.#pendingSamples = 0;
    if (!this.#audibleSent && firstAudibleSample(frame) !== undefined) {
      this.#audibleSent = true;
      this.timeline.mark('agent.first_audio_out');
    }
    this.sink(frame);
    this.#sentFrames++;
    this.#playheadMs += FRAME_MS;
  }
}

/** Waits for a pause to be released, or rejects when `signal` aborts. */
function untilReleased(released: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void released.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
