import { Decoder as OpusDecoder, Encoder as OpusEncoder } from '@evan/opus';
import alawmulaw from 'alawmulaw';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ } from './pcm.js';
import { StreamResampler } from './stream-resampler.js';

/**
 * The RTP audio codecs of the WebRTC transport, each turning voicebench's 20 ms frames of
 * 16 kHz PCM16 into one RTP payload and back.
 *
 * - `opus` (RFC 7587): libopus (`@evan/opus`, the prebuilt library inside the package) at its
 *   16 kHz API rate, mono, VoIP mode. libopus resamples to and from its 48 kHz core with its own
 *   filters; on the wire it is the 48 kHz Opus every WebRTC peer speaks (RTP clock 48 kHz).
 * - `pcmu` (G.711 µ-law, RFC 3551): 8 kHz, 160 bytes per frame; 16 ↔ 8 kHz with libsamplerate's
 *   sinc filter (about 2.4 ms of delay each way), µ-law by `alawmulaw`.
 */
export const CODEC_NAMES = ['opus', 'pcmu'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export interface CodecInfo {
  name: CodecName;
  /** As in SDP's rtpmap. */
  mimeType: string;
  clockRateHz: number;
  channels: number;
  /** RTP timestamp increment per 20 ms frame. */
  timestampStep: number;
}

export const CODECS: Record<CodecName, CodecInfo> = {
  opus: { name: 'opus', mimeType: 'audio/opus', clockRateHz: 48_000, channels: 2, timestampStep: 960 },
  pcmu: { name: 'pcmu', mimeType: 'audio/PCMU', clockRateHz: 8_000, channels: 1, timestampStep: 160 },
};

export interface FrameEncoder {
  /** One 20 ms frame of 16 kHz PCM16 → one RTP payload. */
  encode(frame: Int16Array): Buffer;
  close(): void;
}

export interface FrameDecoder {
  /** One RTP payload → one 20 ms frame of 16 kHz PCM16; throws on a payload that is not one 20 ms frame. */
  decode(payload: Buffer): Int16Array;
  close(): void;
}

const { mulaw } = alawmulaw;
const PCMU_RATE_HZ = 8_000;
const PCMU_FRAME_SAMPLES = FRAME_SAMPLES / 2;

export async function createEncoder(name: CodecName): Promise<FrameEncoder> {
  switch (name) {
    case 'opus': {
      const encoder = new OpusEncoder({ channels: 1, sample_rate: SAMPLE_RATE_HZ, application: 'voip' });
      return { encode: (frame) => Buffer.from(encoder.encode(frame)), close: () => undefined };
    }
    case 'pcmu': {
      const down = await StreamResampler.create(SAMPLE_RATE_HZ, PCMU_RATE_HZ, PCMU_FRAME_SAMPLES);
      return {
        encode: (frame) => Buffer.from(mulaw.encode(down.push(frame)[0] ?? new Int16Array(PCMU_FRAME_SAMPLES))),
        close: () => down.close(),
      };
    }
  }
}

export async function createDecoder(name: CodecName): Promise<FrameDecoder> {
  switch (name) {
    case 'opus': {
      const decoder = new OpusDecoder({ channels: 1, sample_rate: SAMPLE_RATE_HZ });
      return {
        decode: (payload) => {
          const bytes = decoder.decode(payload);
          if (bytes.length !== FRAME_SAMPLES * 2) throw new Error(`an Opus packet of ${bytes.length / 2 / 16} ms; expected one 20 ms frame per packet`);
          const frame = new Int16Array(FRAME_SAMPLES);
          new Uint8Array(frame.buffer).set(bytes.subarray(0, FRAME_SAMPLES * 2));
          return frame;
        },
        close: () => undefined,
      };
    }
    case 'pcmu': {
      const up = await StreamResampler.create(PCMU_RATE_HZ, SAMPLE_RATE_HZ, FRAME_SAMPLES);
      return {
        decode: (payload) => {
          if (payload.length !== PCMU_FRAME_SAMPLES) throw new Error(`a PCMU packet of ${payload.length} bytes; expected ${PCMU_FRAME_SAMPLES} (one 20 ms frame at 8 kHz)`);
          return up.push(mulaw.decode(payload))[0] ?? new Int16Array(FRAME_SAMPLES);
        },
        close: () => up.close(),
      };
    }
  }
}
