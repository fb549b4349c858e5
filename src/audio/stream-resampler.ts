import libsamplerate from '@alexanderolsen/libsamplerate-js';

/**
 * Streaming sample-rate conversion with libsamplerate's band-limited sinc filter (SINC_FASTEST:
 * the lowest delay of its sinc converters, passband to 80 % of Nyquist). Its `full` API keeps
 * the filter state between calls, so 20 ms frames join without clicks; output comes out in
 * exact frames of `outFrameSamples`. The filter's delay is real latency and shows in the spans
 * that cross it; the first frame is led by that much silence so framing adds none.
 */
export class StreamResampler {
  #pending = new Float32Array(0);
  #primed = false;

  private constructor(
    private readonly src: Awaited<ReturnType<typeof libsamplerate.create>>,
    private readonly inRateHz: number,
    private readonly outRateHz: number,
    private readonly outFrameSamples: number,
  ) {}

  static async create(inRateHz: number, outRateHz: number, outFrameSamples: number): Promise<StreamResampler> {
    const src = await libsamplerate.create(1, inRateHz, outRateHz, { converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST });
    return new StreamResampler(src, inRateHz, outRateHz, outFrameSamples);
  }

  /** Resamples `samples` and returns every complete output frame now available (often one, sometimes none). */
  push(samples: Int16Array): Int16Array[] {
    const input = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) input[i] = (samples[i] as number) / 32768;
    let output = this.src.full(input);
    if (!this.#primed) {
      // The filter holds back its delay's worth of the first input. Lead with that much silence,
      // so each input frame yields one output frame at once instead of one frame later.
      this.#primed = true;
      const expected = Math.round((samples.length * this.outRateHz) / this.inRateHz);
      if (output.length < expected) {
        const primed = new Float32Array(expected);
        primed.set(output, expected - output.length);
        output = primed;
      }
    }
    const joined = new Float32Array(this.#pending.length + output.length);
    joined.set(this.#pending);
    joined.set(output, this.#pending.length);
    const frames: Int16Array[] = [];
    let offset = 0;
    while (joined.length - offset >= this.outFrameSamples) {
      const frame = new Int16Array(this.outFrameSamples);
      for (let i = 0; i < this.outFrameSamples; i++) frame[i] = Math.max(-32768, Math.min(32767, Math.round((joined[offset + i] as number) * 32768)));
      frames.push(frame);
      offset += this.outFrameSamples;
    }
    this.#pending = joined.slice(offset);
    return frames;
  }

  /**
   * Readies the converter for a new, unrelated stream: the previous stream's tail is flushed out
   * with silence and discarded, so a converter can be reused instead of paying ~10 ms of wasm set-up
   * (and a slow first call) per stream.
   */
  reset(): void {
    this.src.full(new Float32Array(FLUSH_SAMPLES));
    this.#pending = new Float32Array(0);
  }

  close(): void {
    this.src.destroy();
  }
}

/** Far longer than SINC_FASTEST's filter: pushing this much silence leaves no trace of earlier input. */
const FLUSH_SAMPLES = 1024;

/** Idle converters of one kind, reused stream after stream (each stream takes one, gives it back when done). */
export class ResamplerPool {
  readonly #idle: StreamResampler[] = [];

  constructor(
    private readonly inRateHz: number,
    private readonly outRateHz: number,
    private readonly outFrameSamples: number,
  ) {}

  async take(): Promise<StreamResampler> {
    return this.#idle.pop() ?? StreamResampler.create(this.inRateHz, this.outRateHz, this.outFrameSamples);
  }

  give(resampler: StreamResampler): void {
    resampler.reset();
    this.#idle.push(resampler);
  }

  /** Sets one converter up ahead of the first stream. */
  async warm(): Promise<void> {
    const resampler = await this.take();
    resampler.push(new Int16Array(this.inRateHz / 50));
    this.give(resampler);
  }
}
