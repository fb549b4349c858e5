import { SAMPLE_RATE_HZ } from './pcm.js';

/** Byte offset of the first sample in a WAV written by `encodeWav`. */
export const CANONICAL_WAV_HEADER_BYTES = 44;

/**
 * Mono PCM16 as a canonical WAV: RIFF, a 16-byte `fmt `, then `data`, 44 header bytes in all.
 * Written here rather than with wavefile because encoding sits on the measured path of every
 * REST turn: wavefile packs sample by sample (~10 ms for 3 s of audio), this is one copy.
 */
export function encodeWav(samples: Int16Array, sampleRateHz = SAMPLE_RATE_HZ): Uint8Array {
  const dataBytes = samples.length * 2;
  const wav = new Uint8Array(CANONICAL_WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(wav.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) wav[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    wav.set(new Uint8Array(samples.buffer, samples.byteOffset, dataBytes), CANONICAL_WAV_HEADER_BYTES);
  } else {
    samples.forEach((sample, i) => view.setInt16(CANONICAL_WAV_HEADER_BYTES + i * 2, sample, true));
  }
  return wav;
}
