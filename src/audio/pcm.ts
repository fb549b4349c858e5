import { endianness } from 'node:os';

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

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** PCM16 little-endian bytes as samples, whatever the host's byte order (an odd last byte is dropped). */
export function samplesFromLittleEndian(bytes: Buffer): Int16Array {
  const samples = new Int16Array(Math.floor(bytes.length / 2));
  if (LITTLE_ENDIAN_HOST) new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  else for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** Samples as PCM16 little-endian bytes; shares the samples' memory on little-endian hosts, so do not reuse them. */
export function littleEndianFrom(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] ?? 0, i * 2);
  return bytes;
}
