import { FRAME_MS, FRAME_SAMPLES } from '../../audio/pcm.js';
import type { Clock } from '../../metrics/clock.js';

/** A gap longer than this is not concealed frame by frame: the stream restarts at the packet that arrived. */
const MAX_CONCEALED_RUN = 50;
/**
 * A missing frame found more than this after it was due belongs to a stream that had gone quiet
 * (the end of the caller's last utterance, the end of the bot's last answer): its moment has
 * passed, so it is counted lost, not concealed into the next burst.
 */
const STALE_MS = 200;
/** Each concealed frame repeats the last one at this gain relative to the one before (−6 dB per frame), to silence after a few. */
const CONCEALMENT_GAIN = 0.5;

export interface JitterBufferStats {
  /** Frames played from packets that arrived in time. */
  played: number;
  /** Frames the receiver had to make up because their packet was lost or late. */
  concealed: number;
  /** Frames missing at the end of a burst, found only when the next burst began: not played. */
  expired: number;
  /** Packets that arrived after their frame had been concealed (dropped). */
  late: number;
}

export interface JitterBufferOptions {
  clock: Clock;
  /** Playback of a burst starts this long after its first frame arrives; 0 for a receiver that takes frames as they come. */
  jitterBufferMs: number;
  decode: (payload: Buffer) => Int16Array;
  /** A frame, in sequence order: `arrivalMs` is when its packet arrived (for a concealed frame, when it was due). */
  emit: (frame: Int16Array, arrivalMs: number, concealed: boolean) => void;
  /** A payload that would not decode, or a frame the receiver refused: the buffer stops. */
  onError: (err: unknown) => void;
}

/**
 * The receiving end of an RTP audio stream: puts packets back in sequence order, waits for a
 * missing one until its frame is due to play, and conceals it then (waveform repetition of the
 * last frame, fading by 6 dB per frame, as G.711 Appendix I does; the same for both codecs, as
 * @evan/opus does not expose libopus's own concealment). A packet that arrives after its frame
 * was concealed is counted late and dropped.
 *
 * When a frame is due follows the caller's playout (src/caller/playout.ts): frames play back to
 * back, and a burst that finds the buffer empty starts `jitterBufferMs` after it arrives.
 */
export class RtpJitterBuffer {
  readonly stats: JitterBufferStats = { played: 0, concealed: 0, expired: 0, late: 0 };
  #expected: number | undefined;
  readonly #held = new Map<number, { payload: Buffer; arrivalMs: number }>();
  #playEndMs: number | undefined;
  #last: Int16Array | undefined;
  #concealedRun = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly options: JitterBufferOptions) {}

  push(sequenceNumber: number, payload: Buffer, arrivalMs: number): void {
    if (this.#closed) return;
    if (this.#expected === undefined) this.#expected = sequenceNumber;
    const ahead = (sequenceNumber - this.#expected + 0x10000) % 0x10000;
    if (ahead >= 0x8000) {
      this.stats.late++;
      return;
    }
    if (ahead > MAX_CONCEALED_RUN) {
      // a gap too long to conceal: what was missing is lost, the stream goes on from here
      this.#held.clear();
      this.#expected = sequenceNumber;
    }
    this.#held.set(sequenceNumber, { payload, arrivalMs });
    this.drain();
  }

  /** Stops the concealment timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }

  /** Plays what is in order; conceals the missing frame once it is due; waits for it otherwise. */
  private drain(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.playReady();
    } catch (err) {
      this.close();
      this.options.onError(err);
    }
  }

  private playReady(): void {
    for (;;) {
      const expected = this.#expected as number;
      const next = this.#held.get(expected);
      if (next) {
        this.#held.delete(expected);
        this.play(this.options.decode(next.payload), next.arrivalMs, false);
        continue;
      }
      if (this.#held.size === 0) return;
      const dueMs = this.#playEndMs ?? this.options.clock.nowMs();
      const nowMs = this.options.clock.nowMs();
      if (dueMs > nowMs) {
        this.#timer = setTimeout(() => this.drain(), Math.max(0, dueMs - nowMs));
        return;
      }
      if (nowMs - dueMs > STALE_MS) {
        // the stream had gone quiet: what was missing at its end is not played into this burst
        const gap = Math.min(...[...this.#held.keys()].map((sequenceNumber) => (sequenceNumber - expected + 0x10000) % 0x10000));
        this.#expected = (expected + gap) & 0xffff;
        this.#playEndMs = undefined;
        this.stats.expired += gap;
        continue;
      }
      this.play(this.concealment(), dueMs, true);
    }
  }

  private play(frame: Int16Array, arrivalMs: number, concealed: boolean): void {
    this.#expected = ((this.#expected as number) + 1) & 0xffff;
    if (concealed) {
      this.stats.concealed++;
      this.#concealedRun++;
    } else {
      this.stats.played++;
      this.#concealedRun = 0;
      this.#last = frame;
    }
    const startMs = this.#playEndMs !== undefined && this.#playEndMs >= arrivalMs ? this.#playEndMs : arrivalMs + this.options.jitterBufferMs;
    this.#playEndMs = startMs + FRAME_MS;
    this.options.emit(frame, arrivalMs, concealed);
  }

  private concealment(): Int16Array {
    const frame = new Int16Array(FRAME_SAMPLES);
    const last = this.#last;
    if (!last) return frame;
    const gain = CONCEALMENT_GAIN ** this.#concealedRun;
    for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = Math.round((last[i] ?? 0) * gain);
    return frame;
  }
}
