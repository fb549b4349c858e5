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

  constructor(
    private readonly clock: Clock,
    private readonly sink: FrameSink,
    private readonly timeline: Timeline,
    private readonly maxAheadMs = DEFAULT_MAX_AHEAD_MS,
  ) {}

  get sentFrames(): number {
    return this.#sentFrames;
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
    const nowMs = this.clock.nowMs();
    if (this.#playheadMs === undefined || this.#playheadMs < nowMs) this.#playheadMs = nowMs;
    await this.clock.sleepUntil(this.#playheadMs - this.maxAheadMs, signal);
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
