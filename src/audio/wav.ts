/**
 * Reads any PCM WAV into voicebench's internal format: 16 kHz mono signed 16-bit (pcm.ts).
 *
 * Who does what:
 * - `wavefile` parses the `fmt ` chunk (including the WAVE_FORMAT_EXTENSIBLE fields) and
 *   unpacks samples of every integer width, unsigned 8-bit included, and IEEE float with
 *   format tag 3, in RIFF (little-endian) and RIFX (big-endian) files.
 * - Checked here by hand, because wavefile does not: that every chunk before the audio lies
 *   inside the file and the data chunk holds as many bytes as its header says (wavefile slices
 *   silently short); the exact data bytes without the pad byte of an odd-sized data chunk
 *   (wavefile keeps it, which decodes as one extra full-scale sample in 8-bit files); the
 *   EXTENSIBLE subformat GUID (wavefile decodes EXTENSIBLE float as integers because it only
 *   looks at format tag 3); and a readable reason for each file it cannot read.
 * - `libsamplerate` (WASM) resamples to 16 kHz with a band-limited sinc converter.
 *
 * Whether the file holds any speech is the VAD's question, not this file's.
 */
import { readFile } from 'node:fs/promises';
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import wavefile from 'wavefile';
import { InputError } from '../errors.js';
import { SAMPLE_RATE_HZ, samplesToMs } from './pcm.js';

export type SampleEncoding = 'int' | 'float';

/** The file as it was on disk, before normalisation. */
export interface SourceFormat {
  sampleRateHz: number;
  channels: number;
  /** Container width of one sample (an EXTENSIBLE 20-in-24-bit file says 24). */
  bitsPerSample: number;
  encoding: SampleEncoding;
  /** The fmt chunk used WAVE_FORMAT_EXTENSIBLE (0xFFFE). */
  extensible: boolean;
}

export interface DecodedAudio {
  /** 16 kHz mono signed 16-bit PCM. */
  samples: Int16Array;
  sampleRateHz: typeof SAMPLE_RATE_HZ;
  sourceFormat: SourceFormat;
  durationMs: number;
  /** Byte offset of the first sample in the source file (start of the `data` chunk body). */
  dataOffsetBytes: number;
}

/**
 * SRC_SINC_MEDIUM_QUALITY: libsamplerate documents it as 97 dB SNR (the same as BEST, and
 * above what int16 output can hold) with a 90 % passband, i.e. flat to 7.2 kHz at a 16 kHz
 * output, which covers what VAD and STT use. BEST widens that to 97 % (7.76 kHz) at about
 * three times the cost (5 s of 48 kHz: ~65 ms vs ~200 ms); FASTEST narrows it to 6.4 kHz.
 * Files are decoded once when a scenario loads, never on a timed path.
 */
const CONVERTER_TYPE = libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY;
/** libsamplerate-js accepts input rates up to 192 kHz; libsamplerate, ratios up to 256 (62.5 Hz). */
const MAX_SAMPLE_RATE_HZ = 192_000;
/** Below this a file is not speech audio, whatever its header says. */
const MIN_SAMPLE_RATE_HZ = 1_000;
/**
 * Zeros appended before resampling and cut off after. libsamplerate-js splits inputs over
 * ~1 M samples into `full` calls without an end-of-input flush, which drops the filter's last
 * few ms (measured: 3 ms for MEDIUM, 9 ms for BEST); the tail flushes them in every case.
 */
const FLUSH_TAIL_MS = 100;

const KSDATAFORMAT_GUID_TAIL = [0x00100000, 0xaa000080, 0x719b3800] as const;
const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Format tags of codecs seen in the wild inside WAV files (mmreg.h). */
const COMPRESSED_CODECS: ReadonlyMap<number, string> = new Map([
  [0x0002, 'Microsoft ADPCM'],
  [0x0006, 'G.711 A-law'],
  [0x0007, 'G.711 µ-law'],
  [0x0011, 'IMA ADPCM'],
  [0x0022, 'TrueSpeech'],
  [0x0031, 'GSM 6.10'],
  [0x0040, 'G.721 ADPCM'],
  [0x0045, 'G.726 ADPCM'],
  [0x0050, 'MPEG audio'],
  [0x0055, 'MP3'],
  [0x00ff, 'AAC'],
  [0x0161, 'WMA'],
  [0x0162, 'WMA Pro'],
  [0x2000, 'AC-3'],
  [0xf1ac, 'FLAC'],
]);

/** The parts of wavefile's parsed state this file reads (its typings say only `object`). */
interface WaveFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  chunkSize: number;
  subformat: number[];
}

interface ChunkRef {
  /** Offset of the chunk body (after the 8-byte header). */
  bodyOffset: number;
  /** Body size as the chunk header declares it, without the pad byte. */
  declaredSize: number;
}

export async function readWav(path: string): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fileError(path, err);
  }
  return decodeWav(bytes, path);
}

/** `label` names the source in every error message (usually its path). */
export async function decodeWav(bytes: Uint8Array, label: string): Promise<DecodedAudio> {
  const name = oneLine(label);
  const { littleEndian } = checkContainer(bytes, name);
  const { fmt: fmtChunk, data } = findChunks(bytes, littleEndian, name);

  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes, false);
  } catch (err) {
    throw new InputError(`${name}: could not parse the WAV header (${oneLine(String(err))})`, {
      hint: convertHint(name),
      cause: err,
    });
  }
  const fmt = wav.fmt as WaveFmt;
  const format = checkFormat(fmt, fmtChunk, name);

  if (data.bodyOffset + data.declaredSize > bytes.length) {
    const held = bytes.length - data.bodyOffset;
    throw new InputError(
      `${name}: truncated data: the data chunk header says ${data.declaredSize} bytes, the file holds ${held}`,
      { hint: `the file was cut short (interrupted copy, or written to a pipe); re-export it complete, e.g. ${ffmpeg(name)}` },
    );
  }
  const frameBytes = format.channels * (format.bitsPerSample / 8);
  // A partial frame at the end (a sloppy writer) is dropped, as sox and ffmpeg do.
  const frames = Math.floor(data.declaredSize / frameBytes);
  if (frames === 0) {
    throw new InputError(`${name}: zero samples: the data chunk holds no audio (${data.declaredSize} bytes)`, {
      hint: 're-record or re-export the utterance; the file is a header without audio',
    });
  }

  if (littleEndian && format.encoding === 'int' && format.bitsPerSample === 16 && format.channels === 1 && format.sampleRateHz === SAMPLE_RATE_HZ) {
    // Already voicebench's format: one copy. This sits on the measured path of every REST turn.
    const samples = new Int16Array(frames);
    new Uint8Array(samples.buffer).set(bytes.subarray(data.bodyOffset, data.bodyOffset + frames * 2));
    return { samples, sampleRateHz: SAMPLE_RATE_HZ, sourceFormat: format, durationMs: samplesToMs(frames), dataOffsetBytes: data.bodyOffset };
  }
  // Hand wavefile exactly the sample bytes: its own slice would include the pad byte.
  (wav.data as { samples: Uint8Array }).samples = bytes.subarray(data.bodyOffset, data.bodyOffset + frames * frameBytes);
  let interleaved: Float32Array;
  try {
    interleaved = unpackNormalised(wav, format);
  } catch (err) {
    throw new InputError(`${name}: could not decode samples (${oneLine(String(err))})`, {
      hint: convertHint(name),
      cause: err,
    });
  }
  const mono = downmix(interleaved, format.channels);
  const resampled = await resampleTo16k(mono, format.sampleRateHz);
  const samples = toInt16(resampled);
  return { samples, sampleRateHz: SAMPLE_RATE_HZ, sourceFormat: format, durationMs: samplesToMs(samples.length), dataOffsetBytes: data.bodyOffset };
}

function fileError(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const name = oneLine(path);
  switch (code) {
    case 'ENOENT':
      return new InputError(`${name}: no such file`, {
        hint: 'check the path; relative paths are resolved from the current directory',
        cause: err,
      });
    case 'EISDIR':
      return new InputError(`${name}: is a directory, not a WAV file`, { hint: 'give the path of a .wav file', cause: err });
    case 'EACCES':
    case 'EPERM':
      return new InputError(`${name}: permission denied`, { hint: `make the file readable (chmod +r ${name})`, cause: err });
    default:
      return new InputError(`${name}: cannot read file (${code ?? oneLine(String(err))})`, {
        hint: 'check that the path names a readable file',
        cause: err,
      });
  }
}

/** RIFF or RIFX with form type WAVE; says what the file looks like when it is not. */
function checkContainer(bytes: Uint8Array, name: string): { littleEndian: boolean } {
  const magic = ascii(bytes, 0, 4);
  if (magic === 'RIFF' || magic === 'RIFX') {
    if (bytes.length < 12) {
      throw new InputError(`${name}: truncated header: ${bytes.length} bytes, a RIFF/WAVE header needs 12`, {
        hint: 'the file was cut short; re-export or re-record it',
      });
    }
    const form = ascii(bytes, 8, 4);
    if (form !== 'WAVE') {
      throw new InputError(`${name}: not a WAVE file: RIFF form type is ${JSON.stringify(form)}, not "WAVE"`, {
        hint: `extract or convert the audio to PCM WAV, e.g. ${ffmpeg(name)}`,
      });
    }
    return { littleEndian: magic === 'RIFF' };
  }
  if (magic === 'RF64') {
    throw new InputError(`${name}: RF64 (64-bit WAV) is not supported`, {
      hint: `an utterance never needs it; convert to plain WAV: ${ffmpeg(name)}`,
    });
  }
  const looksLike = bytes.length === 0 ? 'the file is empty' : `it looks like ${sniff(bytes)}`;
  throw new InputError(`${name}: not a RIFF/WAVE file (${looksLike})`, {
    hint: `voicebench reads PCM WAV; convert with: ${ffmpeg(name)}`,
  });
}

function sniff(bytes: Uint8Array): string {
  const head = ascii(bytes, 0, 4);
  if (head.startsWith('ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return 'MP3 audio';
  if (head === 'fLaC') return 'FLAC audio';
  if (head === 'OggS') return 'Ogg audio';
  if (head === 'FORM') return 'AIFF audio';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'MP4/M4A audio';
  const sample = bytes.subarray(0, 512);
  const printable = sample.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80);
  return printable ? 'text' : `unknown data starting ${hex(bytes.subarray(0, 4))}`;
}

/**
 * Walks the top-level chunks up to the first `fmt ` and `data`, checking that each header and
 * each chunk before the audio lies inside the file. The RIFF size field is only used to say
 * "truncated" rather than "missing": writers get it wrong often enough not to trust it.
 */
function findChunks(bytes: Uint8Array, littleEndian: boolean, name: string): { fmt: ChunkRef; data: ChunkRef } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncatedHint = 'the file was cut short (interrupted download or copy?); re-export or re-record it';
  let fmt: ChunkRef | undefined;
  let data: ChunkRef | undefined;
  let pos = 12;
  while ((fmt === undefined || data === undefined) && pos < bytes.length) {
    if (pos + 8 > bytes.length) {
      throw new InputError(`${name}: truncated header: the file ends inside a chunk header at byte ${pos}`, { hint: truncatedHint });
    }
    const id = ascii(bytes, pos, 4);
    const ref = { bodyOffset: pos + 8, declaredSize: view.getUint32(pos + 4, littleEndian) };
    if (id === 'data') {
      data ??= ref; // its length is checked once the format is known
    } else {
      if (ref.bodyOffset + ref.declaredSize > bytes.length) {
        throw new InputError(
          `${name}: truncated header: the file ends inside the ${JSON.stringify(id)} chunk at byte ${bytes.length} (its header says ${ref.declaredSize} bytes)`,
          { hint: truncatedHint },
        );
      }
      if (id === 'fmt ') fmt ??= ref;
    }
    pos = ref.bodyOffset + ref.declaredSize + (ref.declaredSize % 2);
  }
  if (fmt === undefined || data === undefined) {
    const missing = fmt === undefined ? '"fmt "' : '"data"';
    const riffEnd = 8 + view.getUint32(4, littleEndian);
    if (riffEnd > bytes.length) {
      throw new InputError(
        `${name}: truncated header: the file ends at byte ${bytes.length} before its ${missing} chunk (the RIFF header says ${riffEnd} bytes)`,
        { hint: truncatedHint },
      );
    }
    throw new InputError(`${name}: malformed WAV: no ${missing} chunk`, { hint: convertHint(name) });
  }
  return { fmt, data };
}

/** Accepts integer PCM of 8/16/24/32 bits and float of 32/64 bits, plain or EXTENSIBLE. */
function checkFormat(fmt: WaveFmt, chunk: ChunkRef, name: string): SourceFormat {
  if (chunk.declaredSize < 16) {
    throw new InputError(`${name}: malformed WAV: "fmt " chunk is ${chunk.declaredSize} bytes, at least 16 needed`, {
      hint: convertHint(name),
    });
  }
  const extensible = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE;
  let tag = fmt.audioFormat;
  if (extensible) {
    // wavefile reads the GUID whenever the chunk exceeds 20 bytes, past its end if need be.
    if (chunk.declaredSize < 40) {
      throw new InputError(`${name}: malformed WAV: WAVE_FORMAT_EXTENSIBLE "fmt " chunk is ${chunk.declaredSize} bytes, 40 needed`, {
        hint: convertHint(name),
      });
    }
    const [subTag = 0, ...tail] = fmt.subformat;
    if (!KSDATAFORMAT_GUID_TAIL.every((word, i) => tail[i] === word)) {
      throw new InputError(`${name}: unsupported WAVE_FORMAT_EXTENSIBLE subformat GUID (${fmt.subformat.map((w) => w.toString(16).padStart(8, '0')).join('-')})`, {
        hint: convertHint(name),
      });
    }
    tag = subTag;
  }
  const via = extensible ? ' in WAVE_FORMAT_EXTENSIBLE' : '';
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    const codec = COMPRESSED_CODECS.get(tag);
    const what = codec === undefined ? `unknown codec (format tag ${hex16(tag)})` : `compressed codec ${codec} (format tag ${hex16(tag)})`;
    throw new InputError(`${name}: ${what}${via} is not PCM`, { hint: convertHint(name) });
  }
  const encoding: SampleEncoding = tag === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'int';
  const bits = fmt.bitsPerSample;
  const supported = encoding === 'int' ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bits)) {
    throw new InputError(
      `${name}: unsupported bit depth: ${bits}-bit ${encoding === 'int' ? 'integer' : 'float'} PCM (supported: 8/16/24/32-bit integer, 32/64-bit float)`,
      { hint: convertHint(name) },
    );
  }
  if (fmt.numChannels < 1) {
    throw new InputError(`${name}: malformed WAV: the "fmt " chunk says 0 channels`, { hint: convertHint(name) });
  }
  if (fmt.sampleRate < MIN_SAMPLE_RATE_HZ || fmt.sampleRate > MAX_SAMPLE_RATE_HZ) {
    throw new InputError(`${name}: unsupported sample rate ${fmt.sampleRate} Hz (supported: 1 kHz to 192 kHz)`, {
      hint: `resample first: ffmpeg -i ${shellQuote(name)} -ar 16000 -c:a pcm_s16le out.wav`,
    });
  }
  return { sampleRateHz: fmt.sampleRate, channels: fmt.numChannels, bitsPerSample: bits, encoding, extensible };
}

/** Interleaved samples scaled to [-1, 1) (float sources may exceed it; clipping comes last). */
function unpackNormalised(wav: wavefile.WaveFile, format: SourceFormat): Float32Array {
  if (format.encoding === 'float' && format.bitsPerSample === 32 && format.extensible) {
    // wavefile takes EXTENSIBLE float for int32; its values are then the float bit patterns.
    const bitPatterns = wav.getSamples(true, Int32Array) as unknown as Int32Array;
    return new Float32Array(bitPatterns.buffer, bitPatterns.byteOffset, bitPatterns.length);
  }
  const raw = wav.getSamples(true);
  const out = new Float32Array(raw.length);
  if (format.encoding === 'float') {
    out.set(raw);
    return out;
  }
  const fullScale = 2 ** (format.bitsPerSample - 1);
  const offset = format.bitsPerSample === 8 ? 128 : 0; // 8-bit WAV is unsigned, silence at 128
  for (let i = 0; i < raw.length; i++) out[i] = ((raw[i] ?? 0) - offset) / fullScale;
  return out;
}

/** Average of the channels; non-finite float samples (corrupt files) count as silence. */
function downmix(interleaved: Float32Array, channels: number): Float32Array {
  const frames = interleaved.length / channels;
  const mono = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const v = interleaved[f * channels + c] ?? 0;
      sum += Number.isFinite(v) ? v : 0;
    }
    mono[f] = sum / channels;
  }
  return mono;
}

/** Output length is round(frames × 16000 / rate), the same for every input size. */
async function resampleTo16k(mono: Float32Array, inRateHz: number): Promise<Float32Array> {
  if (inRateHz === SAMPLE_RATE_HZ) return mono;
  const outFrames = Math.round((mono.length * SAMPLE_RATE_HZ) / inRateHz);
  const padded = new Float32Array(mono.length + Math.ceil((inRateHz * FLUSH_TAIL_MS) / 1000));
  padded.set(mono);
  let out: Float32Array;
  try {
    const converter = await libsamplerate.create(1, inRateHz, SAMPLE_RATE_HZ, { converterType: CONVERTER_TYPE });
    try {
      out = converter.simple(padded);
    } finally {
      converter.destroy();
    }
  } catch (err) {
    // libsamplerate-js throws strings; the rate was validated, so this is a bug, not bad input.
    throw new Error(`resampling ${inRateHz} Hz to ${SAMPLE_RATE_HZ} Hz failed: ${String(err)}`, { cause: err });
  }
  if (out.length < outFrames) {
    throw new Error(`libsamplerate returned ${out.length} samples, expected at least ${outFrames}`);
  }
  return out.subarray(0, outFrames);
}

/** Float [-1, 1) to int16 with clipping; int16 sources round-trip exactly (scale 32768). */
function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] ?? 0) * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

function convertHint(name: string): string {
  return `convert to 16-bit PCM: ${ffmpeg(name)} (or sox ${shellQuote(name)} -e signed-integer -b 16 out.wav)`;
}

function ffmpeg(name: string): string {
  return `ffmpeg -i ${shellQuote(name)} -c:a pcm_s16le out.wav`;
}

function shellQuote(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Messages are one line even when a label or a library error is not. */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ');
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function hex16(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}
