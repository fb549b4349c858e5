import { SAMPLE_RATE_HZ } from './pcm.js';

/**
 * Where bot audio becomes audible. `caller.first_audio` is the first audible sample, not the
 * first byte: TTS engines lead with silence, and a user hears nothing until it ends.
 * Audible = a 1 ms window whose RMS exceeds -50 dBFS (well above dither, well below speech).
 */
export const AUDIBLE_THRESHOLD_DBFS = -50;
const WINDOW_SAMPLES = SAMPLE_RATE_HZ / 1000;

/** Index of the first sample of the first audible window, or undefined when all is silence. */
export function firstAudibleSample(samples: Int16Array, thresholdDbfs = AUDIBLE_THRESHOLD_DBFS): number | undefined {
  const thresholdRms = 32768 * 10 ** (thresholdDbfs / 20);
  const thresholdSumSquares = thresholdRms * thresholdRms * WINDOW_SAMPLES;
  for (let start = 0; start < samples.length; start += WINDOW_SAMPLES) {
    const end = Math.min(samples.length, start + WINDOW_SAMPLES);
    let sumSquares = 0;
    for (let i = start; i < end; i++) {
      const sample = samples[i] ?? 0;
      sumSquares += sample * sample;
    }
    if (sumSquares * (WINDOW_SAMPLES / (end - start)) > thresholdSumSquares) return start;
  }
  return undefined;
}
