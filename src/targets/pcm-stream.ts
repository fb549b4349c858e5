import { SAMPLE_RATE_HZ } from '../audio/pcm.js';
import { StreamResampler } from '../audio/stream-resampler.js';

/** 1 ms of 16 kHz audio: what a resampler yields at a time, so any length of input comes out whole but for < 1 ms. */
const OUT_SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

/**
 * A stream of reply audio at the protocol's rate, turned into voicebench's 16 kHz as it comes:
 * any chunk length in, every whole millisecond out at once (libsamplerate's sinc filter, its
 * delay kept, as a client's own resampler would add it).
 */
export class To16k {
  private constructor(private readonly resampler: StreamResampler | undefined) {}

  static async create(inRateHz: number): Promise<To16k> {
    return new To16k(inRateHz === SAMPLE_RATE_HZ ? undefined : await StreamResampler.create(inRateHz, SAMPLE_RATE_HZ, OUT_SAMPLES_PER_MS));
  }

  push(samples: Int16Array): Int16Array {
    if (!this.resampler) return samples;
    const pieces = this.resampler.push(samples);
    const joined = new Int16Array(pieces.length * OUT_SAMPLES_PER_MS);
    pieces.forEach((piece, index) => joined.set(piece, index * OUT_SAMPLES_PER_MS));
    return joined;
  }

  /** A new answer starts: the previous one's tail must not leak into it. */
  reset(): void {
    this.resampler?.reset();
  }

  close(): void {
    this.resampler?.close();
  }
}
