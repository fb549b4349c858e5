/** voicebench's internal audio format: 16 kHz mono signed 16-bit PCM. */
export const SAMPLE_RATE_HZ = 16_000;
/** Frames move between caller and agent every 20 ms. */
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE_HZ * FRAME_MS) / 1000;

export function samplesToMs(samples: number, sampleRateHz = SAMPLE_RATE_HZ): number {
  return (samples * 1000) / sampleRateHz;
}

export function msToSamples(ms: number, sampleRateHz = SAMPLE_RATE_HZ): number {
  return Math.round((ms * sampleRateHz) / 1000);
}
