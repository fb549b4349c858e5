/**
 * Where speech starts and ends inside a recording, by an energy threshold.
 *
 * Method: cut the signal into consecutive windows of `windowMs` (10 ms) from the first
 * sample (the last window may be shorter); a window is speech when its RMS is above
 * `thresholdDbfs` (−40 dBFS, relative to 16-bit full scale 32768). The speech start is the
 * start of the first speech window and the speech end is the end of the last one, so both
 * are on the window grid and pauses between words do not matter.
 *
 * These offsets are what the corpus sidecars record and what the caller anchors
 * `caller.speech_end` on (DESIGN.md §2), so the method is written down in every sidecar.
 */

export interface SpeechBoundsOptions {
  /** Analysis window; bounds are multiples of it. Default 10 ms. */
  windowMs?: number;
  /** A window is speech when its RMS is above this level re full scale. Default −40 dBFS. */
  thresholdDbfs?: number;
}

export interface SpeechBounds {
  /** Start of the first window above the threshold, from the first sample. */
  speechStartMs: number;
  /** End of the last window above the threshold, from the first sample. */
  speechEndMs: number;
}

export const DEFAULT_SPEECH_WINDOW_MS = 10;
export const DEFAULT_SPEECH_THRESHOLD_DBFS = -40;

const INT16_FULL_SCALE = 32768;

/** One sentence naming the method and its parameters, for sidecars and READMEs. */
export function describeSpeechBoundsMethod(options: SpeechBoundsOptions = {}): string {
  const { windowMs, thresholdDbfs } = resolveOptions(options);
  return (
    `energy threshold: consecutive ${windowMs} ms windows from the first sample, ` +
    `a window is speech when its RMS is above ${thresholdDbfs} dBFS (re 16-bit full scale 32768); ` +
    `speechStartMs = start of the first speech window, speechEndMs = end of the last speech window ` +
    `(src/audio/speech-bounds.ts)`
  );
}

/**
 * Measures the speech bounds of 16-bit PCM samples (mono). Returns `null` when no window
 * reaches the threshold (the recording is silence as far as this method can tell).
 */
export function measureSpeechBounds(
  samples: Int16Array,
  sampleRateHz: number,
  options: SpeechBoundsOptions = {},
): SpeechBounds | null {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new RangeError(`sampleRateHz must be a positive number, got ${sampleRateHz}`);
  }
  const { windowMs, thresholdDbfs } = resolveOptions(options);
  const windowSamples = Math.round((sampleRateHz * windowMs) / 1000);
  if (windowSamples < 1) {
    throw new RangeError(`windowMs ${windowMs} is shorter than one sample at ${sampleRateHz} Hz`);
  }
  // Compare mean squares, not RMS, to avoid a square root per window.
  const thresholdRms = INT16_FULL_SCALE * 10 ** (thresholdDbfs / 20);
  const thresholdMeanSquare = thresholdRms * thresholdRms;

  let firstSpeechSample = -1;
  let lastSpeechSampleEnd = -1;
  for (let windowStart = 0; windowStart < samples.length; windowStart += windowSamples) {
    const windowEnd = Math.min(windowStart + windowSamples, samples.length);
    let sumOfSquares = 0;
    for (let i = windowStart; i < windowEnd; i++) {
      const sample = samples[i] as number;
      sumOfSquares += sample * sample;
    }
    if (sumOfSquares / (windowEnd - windowStart) > thresholdMeanSquare) {
      if (firstSpeechSample < 0) firstSpeechSample = windowStart;
      lastSpeechSampleEnd = windowEnd;
    }
  }
  if (firstSpeechSample < 0) return null;
  return {
    speechStartMs: (firstSpeechSample * 1000) / sampleRateHz,
    speechEndMs: (lastSpeechSampleEnd * 1000) / sampleRateHz,
  };
}

function resolveOptions(options: SpeechBoundsOptions): Required<SpeechBoundsOptions> {
  const windowMs = options.windowMs ?? DEFAULT_SPEECH_WINDOW_MS;
  const thresholdDbfs = options.thresholdDbfs ?? DEFAULT_SPEECH_THRESHOLD_DBFS;
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`windowMs must be a positive number, got ${windowMs}`);
  }
  if (!Number.isFinite(thresholdDbfs) || thresholdDbfs >= 0) {
    throw new RangeError(`thresholdDbfs must be a negative number, got ${thresholdDbfs}`);
  }
  return { windowMs, thresholdDbfs };
}
