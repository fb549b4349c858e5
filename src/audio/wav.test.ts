// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { decodeWav, readWav, type DecodedAudio } from './wav.js';

// ---------------------------------------------------------------------------------------------
// Test helper: builds RIFF/WAVE bytes by hand, so every format and every malformed file is
// generated here and no binary fixture is committed. Move to `wav-fixtures.ts` when another
// test needs it.
// ---------------------------------------------------------------------------------------------

const PCM = 0x0001;
const IEEE_FLOAT = 0x0003;
const EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUID bytes after the leading format tag (00000001-0000-0010-8000-00aa00389b71). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

type Encoding = 'int' | 'float';

interface FmtSpec {
  formatTag: number;
  channels: number;
  sampleRateHz: number;
  bitsPerSample: number;
  /** Format tag inside the EXTENSIBLE subformat GUID; makes a 40-byte fmt chunk with tag 0xFFFE. */
  subformatTag?: number;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One chunk; odd-sized bodies get their pad byte unless `pad` is false. `size` overrides the header. */
function chunk(id: string, body: Uint8Array, options: { pad?: boolean; size?: number } = {}): Uint8Array {
  const padByte = (options.pad ?? true) && body.length % 2 === 1 ? 1 : 0;
  const out = new Uint8Array(8 + body.length + padByte);
  out.set(ascii(id), 0);
  new DataView(out.buffer).setUint32(4, options.size ?? body.length, true);
  out.set(body, 8);
  return out;
}

function riff(chunks: Uint8Array[], options: { magic?: string; form?: string } = {}): Uint8Array {
  const body = concat([ascii(options.form ?? 'WAVE'), ...chunks]);
  const header = new Uint8Array(8);
  header.set(ascii(options.magic ?? 'RIFF'), 0);
  new DataView(header.buffer).setUint32(4, body.length, true);
  return concat([header, body]);
}

function fmtChunk(spec: FmtSpec): Uint8Array {
  const extensible = spec.subformatTag !== undefined;
  const body = new Uint8Array(extensible ? 40 : 16);
  const view = new DataView(body.buffer);
  const blockAlign = spec.channels * Math.ceil(spec.bitsPerSample / 8);
  view.setUint16(0, extensible ? EXTENSIBLE : spec.formatTag, true);
  view.setUint16(2, spec.channels, true);
  view.setUint32(4, spec.sampleRateHz, true);
  view.setUint32(8, spec.sampleRateHz * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, spec.bitsPerSample, true);
  if (spec.subformatTag !== undefined) {
    view.setUint16(16, 22, true); // cbSize
    view.setUint16(18, spec.bitsPerSample, true); // valid bits
    view.setUint32(20, spec.channels === 1 ? 0x4 : 0x3, true); // channel mask: FC, or FL|FR
    view.setUint16(24, spec.subformatTag, true);
    body.set(GUID_TAIL, 26);
  }
  return chunk('fmt ', body);
}

/** Interleaves channels of samples in [-1, 1] and encodes them as the WAV sample format. */
function encodeSamples(channels: Float64Array[], bits: number, encoding: Encoding): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const bytesPerSample = bits / 8;
  const out = new Uint8Array(frames * channels.length * bytesPerSample);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let f = 0; f < frames; f++) {
    for (const channel of channels) {
      const x = channel[f] ?? 0;
      if (encoding === 'float') {
        if (bits === 32) view.setFloat32(at, x, true);
        else view.setFloat64(at, x, true);
      } else {
        const fullScale = 2 ** (bits - 1);
        const v = Math.max(-fullScale, Math.min(fullScale - 1, Math.round(x * fullScale)));
        if (bits === 8) view.setUint8(at, v + 128);
        else if (bits === 16) view.setInt16(at, v, true);
        else if (bits === 24) {
          view.setUint16(at, v & 0xffff, true);
          view.setInt8(at + 2, v >> 16);
        } else view.setInt32(at, v, true);
      }
      at += bytesPerSample;
    }
  }
  return out;
}

interface WavSpec {
  sampleRateHz: number;
  bitsPerSample: number;
  encoding: Encoding;
  channels: Float64Array[];
  extensible?: boolean;
  /** Chunks placed between `fmt ` and `data`. */
  extraChunks?: Uint8Array[];
}

function makeWav(spec: WavSpec): Uint8Array {
  const tag = spec.encoding === 'float' ? IEEE_FLOAT : PCM;
  const fmt = fmtChunk({
    formatTag: tag,
    channels: spec.channels.length,
    sampleRateHz: spec.sampleRateHz,
    bitsPerSample: spec.bitsPerSample,
    ...(spec.extensible ? { subformatTag: tag } : {}),
  });
  const data = chunk('data', encodeSamples(spec.channels, spec.bitsPerSample, spec.encoding));
  return riff([fmt, ...(spec.extraChunks ?? []), data]);
}

/** A fmt + data file in a codec voicebench does not decode (the payload is never read). */
function codecWav(formatTag: number, bitsPerSample: number, subformat = false): Uint8Array {
  const fmt = fmtChunk(
    subformat
      ? { formatTag, channels: 1, sampleRateHz: 8000, bitsPerSample, subformatTag: formatTag }
      : { formatTag, channels: 1, sampleRateHz: 8000, bitsPerSample },
  );
  return riff([fmt, chunk('data', new Uint8Array(64).fill(0x55))]);
}

function sine(freqHz: number, sampleRateHz: number, seconds: number, amplitude: number): Float64Array {
  const n = Math.round(sampleRateHz * seconds);
  return Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freqHz * i) / sampleRateHz));
}

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

const OUT_RATE_HZ = 16_000;
/** The analysis window: 1 s (an integer number of cycles of 440 and 1000 Hz) from 0.25 s in,
 * clear of the resampler's edge transients at both ends of a 1.5 s signal. */
const WINDOW = { start: 4000, length: 16_000 };
const SIGNAL_SECONDS = 1.5;

/** Amplitude (full scale 1) of the `freqHz` component over the analysis window (one DFT bin). */
function amplitudeAt(samples: Int16Array, freqHz: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < WINDOW.length; i++) {
    const x = (samples[WINDOW.start + i] ?? 0) / 32768;
    const phase = (2 * Math.PI * freqHz * i) / OUT_RATE_HZ;
    re += x * Math.cos(phase);
    im -= x * Math.sin(phase);
  }
  return (2 * Math.hypot(re, im)) / WINDOW.length;
}

/** Mean power (full scale 1) over the analysis window. */
function powerOf(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < WINDOW.length; i++) sum += ((samples[WINDOW.start + i] ?? 0) / 32768) ** 2;
  return sum / WINDOW.length;
}

/** Largest difference (full scale 1) from the ideal sine at 16 kHz: catches a delay as well as a wrong amplitude. */
function maxErrorFromSine(samples: Int16Array, freqHz: number, amplitude: number): number {
  let worst = 0;
  for (let i = WINDOW.start; i < WINDOW.start + WINDOW.length; i++) {
    const ideal = amplitude * Math.sin((2 * Math.PI * freqHz * i) / OUT_RATE_HZ);
    worst = Math.max(worst, Math.abs((samples[i] ?? 0) / 32768 - ideal));
  }
  return worst;
}

/**
 * Output holds whole samples, so its length is the exact duration rounded: within half a
 * sample; one sample (62.5 µs) of tolerance leaves room for the resampler's own rounding.
 */
function assertDuration(decoded: DecodedAudio, inFrames: number, inRateHz: number): void {
  const exactSamples = (inFrames * OUT_RATE_HZ) / inRateHz;
  assert.ok(Math.abs(decoded.samples.length - exactSamples) <= 1, `${decoded.samples.length} samples, expected ${exactSamples}`);
  assert.ok(Math.abs(decoded.durationMs - (inFrames * 1000) / inRateHz) <= 1000 / OUT_RATE_HZ, `durationMs ${decoded.durationMs}`);
}

/**
 * A 440 Hz sine survives: same amplitude within 2 % (8-bit quantisation and the resampler's
 * passband ripple are far below that), ≥ 99.9 % of the power at 440 Hz, and within 1 % of full
 * scale of the ideal sine sample by sample (a one-input-sample delay at 48 kHz would be 2.9 %).
 */
function assertSine(decoded: DecodedAudio, amplitude: number): void {
  const measured = amplitudeAt(decoded.samples, 440);
  assert.ok(Math.abs(measured - amplitude) <= 0.02 * amplitude, `amplitude ${measured}, expected ${amplitude}`);
  const purity = (measured * measured) / 2 / powerOf(decoded.samples);
  assert.ok(purity >= 0.999, `only ${(purity * 100).toFixed(3)} % of the power is at 440 Hz`);
  const error = maxErrorFromSine(decoded.samples, 440, amplitude);
  assert.ok(error <= 0.01, `off the ideal sine by ${error}`);
}

interface ExpectedError {
  /** Words that name the problem, e.g. /not a RIFF\/WAVE file/. */
  problem: RegExp;
  /** What the hint must say, when it matters (e.g. a conversion command). */
  hint?: RegExp;
}

async function assertInputError(promise: Promise<unknown>, label: string, expected: ExpectedError): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.ok(err.message.includes(label), `message does not name ${label}: ${err.message}`);
    assert.match(err.message, expected.problem);
    assert.doesNotMatch(err.message, /[\r\n]/, 'message is one line');
    assert.ok(err.hint !== undefined && err.hint.length > 0, 'has a hint');
    if (expected.hint) assert.match(err.hint, expected.hint);
    return true;
  });
}

const CONVERT_HINT = /ffmpeg -i .* -c:a pcm_s16le out\.wav/;

// ---------------------------------------------------------------------------------------------
// Formats that decode
// ---------------------------------------------------------------------------------------------

const FORMATS: { bits: number; encoding: Encoding; extensible: boolean }[] = [
  { bits: 8, encoding: 'int', extensible: false },
  { bits: 16, encoding: 'int', extensible: false },
  { bits: 24, encoding: 'int', extensible: false },
  { bits: 32, encoding: 'int', extensible: false },
  { bits: 32, encoding: 'float', extensible: false },
  { bits: 64, encoding: 'float', extensible: false },
  { bits: 16, encoding: 'int', extensible: true },
  { bits: 24, encoding: 'int', extensible: true },
  { bits: 32, encoding: 'float', extensible: true },
];

for (const { bits, encoding, extensible } of FORMATS) {
  const name = `${bits}-bit ${encoding}${extensible ? ' EXTENSIBLE' : ''}`;
  test(`${name} at 48 kHz decodes to a 440 Hz sine at 16 kHz mono`, async () => {
    const tone = sine(440, 48_000, SIGNAL_SECONDS, 0.5);
    const bytes = makeWav({ sampleRateHz: 48_000, bitsPerSample: bits, encoding, extensible, channels: [tone] });
    const decoded = await decodeWav(bytes, `${name}.wav`);
    assert.equal(decoded.sampleRateHz, 16_000);
    assert.ok(decoded.samples instanceof Int16Array);
    assert.deepEqual(decoded.sourceFormat, { sampleRateHz: 48_000, channels: 1, bitsPerSample: bits, encoding, extensible });
    assertDuration(decoded, tone.length, 48_000);
    assertSine(decoded, 0.5);
  });
}

for (const rateHz of [8_000, 11_025, 22_050, 44_100, 48_000, 96_000]) {
  test(`16-bit at ${rateHz} Hz is resampled to 16 kHz with duration and content kept`, async () => {
    const tone = sine(440, rateHz, SIGNAL_SECONDS, 0.5);
    const decoded = await decodeWav(makeWav({ sampleRateHz: rateHz, bitsPerSample: 16, encoding: 'int', channels: [tone] }), 'rate.wav');
    assert.equal(decoded.sourceFormat.sampleRateHz, rateHz);
    assertDuration(decoded, tone.length, rateHz);
    assertSine(decoded, 0.5);
  });
}

test('16-bit mono at 16 kHz is passed through sample for sample', async () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 12345, -54, 7]);
  const channel = Float64Array.from(samples, (s) => s / 32768);
  const decoded = await decodeWav(makeWav({ sampleRateHz: 16_000, bitsPerSample: 16, encoding: 'int', channels: [channel] }), 'x.wav');
  assert.deepEqual(Array.from(decoded.samples), Array.from(samples));
  assert.equal(decoded.durationMs, 0.5);
});

test('float samples beyond full scale are clipped to int16', async () => {
  const channel = Float64Array.from([0, 0.5, -0.5, 1, 1.5, -2, -1]);
  const decoded = await decodeWav(makeWav({ sampleRateHz: 16_000, bitsPerSample: 32, encoding: 'float', channels: [channel] }), 'hot.wav');
  assert.deepEqual(Array.from(decoded.samples), [0, 16384, -16384, 32767, 32767, -32768, -32768]);
});

test('stereo with different channels is downmixed by averaging', async () => {
  const left = sine(440, 44_100, SIGNAL_SECONDS, 0.4);
  const right = sine(1000, 44_100, SIGNAL_SECONDS, 0.2);
  const decoded = await decodeWav(makeWav({ sampleRateHz: 44_100, bitsPerSample: 16, encoding: 'int', channels: [left, right] }), 'st.wav');
  assert.equal(decoded.sourceFormat.channels, 2);
  assertDuration(decoded, left.length, 44_100);
  // (0.4·sin 440 + 0.2·sin 1000) / 2: each tone at half its channel's amplitude, nothing else.
  const at440 = amplitudeAt(decoded.samples, 440);
  const at1000 = amplitudeAt(decoded.samples, 1000);
  assert.ok(Math.abs(at440 - 0.2) <= 0.004, `440 Hz at ${at440}`);
  assert.ok(Math.abs(at1000 - 0.1) <= 0.002, `1000 Hz at ${at1000}`);
  const tonePower = (at440 ** 2 + at1000 ** 2) / 2;
  assert.ok(tonePower / powerOf(decoded.samples) >= 0.999);
});

test('opposite channels cancel to silence (average, not sum or left only)', async () => {
  const left = sine(440, 16_000, 0.1, 0.5);
  const right = left.map((x) => -x);
  const decoded = await decodeWav(makeWav({ sampleRateHz: 16_000, bitsPerSample: 16, encoding: 'int', channels: [left, right] }), 'x.wav');
  assert.ok(decoded.samples.every((s) => Math.abs(s) <= 1));
});

test('LIST, fact, JUNK and an odd-sized chunk with its pad byte before data are skipped', async () => {
  const info = concat([ascii('INFO'), chunk('INAM', ascii('utterance\0')), chunk('ISFT', ascii('voicebench\0\0'))]);
  const extraChunks = [
    chunk('LIST', info),
    chunk('fact', Uint8Array.of(0x40, 0x5d, 0, 0)),
    chunk('JUNK', new Uint8Array(28)),
    chunk('odd!', Uint8Array.of(1, 2, 3)), // 3 bytes + pad byte
  ];
  const tone = sine(440, 48_000, SIGNAL_SECONDS, 0.5);
  const bytes = makeWav({ sampleRateHz: 48_000, bitsPerSample: 16, encoding: 'int', channels: [tone], extraChunks });
  const decoded = await decodeWav(bytes, 'meta.wav');
  assertDuration(decoded, tone.length, 48_000);
  assertSine(decoded, 0.5);
});

test('an odd-sized 8-bit data chunk: the pad byte is not decoded as a sample', async () => {
  const body = Uint8Array.of(128, 255, 0); // silence, max, min
  const bytes = riff([fmtChunk({ formatTag: PCM, channels: 1, sampleRateHz: 16_000, bitsPerSample: 8 }), chunk('data', body), chunk('LIST', ascii('INFO'))]);
  const decoded = await decodeWav(bytes, 'odd8.wav');
  assert.deepEqual(Array.from(decoded.samples), [0, 127 * 256, -32768]);
});

test('an odd-sized data chunk at the end of the file without its pad byte still decodes', async () => {
  const bytes = riff([fmtChunk({ formatTag: PCM, channels: 1, sampleRateHz: 16_000, bitsPerSample: 8 }), chunk('data', Uint8Array.of(128, 192, 64), { pad: false })]);
  const decoded = await decodeWav(bytes, 'nopad.wav');
  assert.deepEqual(Array.from(decoded.samples), [0, 16384, -16384]);
});

test('a file longer than libsamplerate-js splits internally keeps its exact length and its end', async () => {
  // 22 s at 48 kHz is over the ~1 M-sample size at which libsamplerate-js stops flushing.
  const tone = sine(440, 48_000, 22, 0.5);
  const decoded = await decodeWav(makeWav({ sampleRateHz: 48_000, bitsPerSample: 16, encoding: 'int', channels: [tone] }), 'long.wav');
  assert.equal(decoded.samples.length, 22 * OUT_RATE_HZ);
  // The last 200 ms up to 10 ms from the end still follow the sine, in time.
  const end = decoded.samples.length;
  let worst = 0;
  for (let i = end - 3200; i < end - 160; i++) {
    worst = Math.max(worst, Math.abs((decoded.samples[i] ?? 0) / 32768 - 0.5 * Math.sin((2 * Math.PI * 440 * i) / OUT_RATE_HZ)));
  }
  assert.ok(worst <= 0.01, `off the ideal sine by ${worst} near the end`);
});

test('readWav reads a file from disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-wav-'));
  try {
    const path = join(dir, 'tone.wav');
    await writeFile(path, makeWav({ sampleRateHz: 22_050, bitsPerSample: 24, encoding: 'int', channels: [sine(440, 22_050, SIGNAL_SECONDS, 0.5)] }));
    const decoded = await readWav(path);
    assertSine(decoded, 0.5);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Files that do not decode
// ---------------------------------------------------------------------------------------------

function validWav(): Uint8Array {
  return makeWav({ sampleRateHz: 16_000, bitsPerSample: 16, encoding: 'int', channels: [sine(440, 16_000, 0.01, 0.5)] });
}

test('missing file: "no such file"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-wav-'));
  try {
    const path = join(dir, 'missing.wav');
    await assertInputError(readWav(path), path, { problem: /no such file/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an MP3 file is not a RIFF/WAVE file', async () => {
  const mp3 = concat([ascii('ID3'), Uint8Array.of(4, 0, 0, 0, 0, 0, 0), new Uint8Array(100)]);
  await assertInputError(decodeWav(mp3, 'song.mp3'), 'song.mp3', { problem: /not a RIFF\/WAVE file.*MP3/, hint: CONVERT_HINT });
});

test('a text file is not a RIFF/WAVE file', async () => {
  const text = ascii('speaker,transcript\nalice,hello there\n');
  await assertInputError(decodeWav(text, 'notes.csv'), 'notes.csv', { problem: /not a RIFF\/WAVE file.*text/ });
});

test('an empty file is not a RIFF/WAVE file', async () => {
  await assertInputError(decodeWav(new Uint8Array(0), 'empty.wav'), 'empty.wav', { problem: /not a RIFF\/WAVE file.*empty/ });
});

test('RIFF but not WAVE (an AVI) names the form type', async () => {
  const avi = riff([chunk('LIST', ascii('hdrl'))], { form: 'AVI ' });
  await assertInputError(decodeWav(avi, 'clip.avi'), 'clip.avi', { problem: /not a WAVE file.*"AVI "/ });
});

test('truncated mid-header at every cut inside the header', async () => {
  const bytes = validWav();
  // 4..11: RIFF header; 12..35: fmt chunk; 36..43: data chunk header.
  for (const cut of [4, 8, 11, 12, 16, 20, 30, 35, 36, 40, 43]) {
    await assertInputError(decodeWav(bytes.subarray(0, cut), 'cut.wav'), 'cut.wav', { problem: /truncated/ });
  }
});

test('truncated data: data chunk shorter than its header says', async () => {
  const bytes = validWav();
  await assertInputError(decodeWav(bytes.subarray(0, bytes.length - 7), 'short.wav'), 'short.wav', {
    problem: /truncated data.*says 320 bytes.*holds 313/,
  });
});

test('a streamed WAV whose data size was never filled in (0xFFFFFFFF) is truncated data', async () => {
  const bytes = riff([fmtChunk({ formatTag: PCM, channels: 1, sampleRateHz: 16_000, bitsPerSample: 16 }), chunk('data', new Uint8Array(100), { size: 0xffffffff })]);
  await assertInputError(decodeWav(bytes, 'pipe.wav'), 'pipe.wav', { problem: /truncated data/, hint: CONVERT_HINT });
});

const CODECS: [string, number, number, RegExp][] = [
  ['A-law', 0x0006, 8, /A-law/],
  ['µ-law', 0x0007, 8, /µ-law/],
  ['IMA ADPCM', 0x0011, 4, /IMA ADPCM/],
  ['Microsoft ADPCM', 0x0002, 4, /Microsoft ADPCM/],
  ['GSM 6.10', 0x0031, 0, /GSM 6\.10/],
  ['MP3-in-WAV', 0x0055, 0, /MP3/],
  ['an unknown codec', 0x1234, 16, /unknown codec \(format tag 0x1234\)/],
];

for (const [name, tag, bits, problem] of CODECS) {
  test(`${name} is named as a compressed codec, with a conversion command`, async () => {
    await assertInputError(decodeWav(codecWav(tag, bits), 'call.wav'), 'call.wav', { problem, hint: CONVERT_HINT });
  });
}

test('A-law inside WAVE_FORMAT_EXTENSIBLE is named too', async () => {
  await assertInputError(decodeWav(codecWav(0x0006, 8, true), 'ext.wav'), 'ext.wav', { problem: /A-law.*EXTENSIBLE/, hint: CONVERT_HINT });
});

test('EXTENSIBLE with a foreign subformat GUID is refused', async () => {
  const bytes = codecWav(PCM, 16, true);
  bytes[20 + 8 + 30] = 0x42; // a byte of the GUID tail, after RIFF header (12) + fmt chunk header (8)
  await assertInputError(decodeWav(bytes, 'guid.wav'), 'guid.wav', { problem: /subformat GUID/ });
});

test('zero samples: an empty data chunk', async () => {
  const bytes = riff([fmtChunk({ formatTag: PCM, channels: 1, sampleRateHz: 16_000, bitsPerSample: 16 }), chunk('data', new Uint8Array(0))]);
  await assertInputError(decodeWav(bytes, 'silent.wav'), 'silent.wav', { problem: /zero samples/ });
});

for (const [bits, encoding] of [[12, 'int'], [64, 'int'], [16, 'float']] as const) {
  test(`unsupported bit depth: ${bits}-bit ${encoding}`, async () => {
    const tag = encoding === 'float' ? IEEE_FLOAT : PCM;
    const bytes = riff([fmtChunk({ formatTag: tag, channels: 1, sampleRateHz: 16_000, bitsPerSample: bits }), chunk('data', new Uint8Array(64))]);
    await assertInputError(decodeWav(bytes, 'deep.wav'), 'deep.wav', { problem: new RegExp(`unsupported bit depth: ${bits}-bit`), hint: CONVERT_HINT });
  });
}

test('no data chunk', async () => {
  const bytes = riff([fmtChunk({ formatTag: PCM, channels: 1, sampleRateHz: 16_000, bitsPerSample: 16 })]);
  await assertInputError(decodeWav(bytes, 'hdr.wav'), 'hdr.wav', { problem: /no "data" chunk/ });
});

test('a multi-line label still gives a one-line message', async () => {
  await assertInputError(decodeWav(ascii('nope'), 'a\nb.wav'), 'a b.wav', { problem: /not a RIFF\/WAVE file/ });
});

/** Mulberry32: a tiny seeded PRNG, so the corruption below is the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('any cut or header corruption gives audio or an InputError, never a raw exception', async () => {
  const info = concat([ascii('INFO'), chunk('INAM', ascii('x\0'))]);
  const bytes = riff([
    fmtChunk({ formatTag: PCM, channels: 2, sampleRateHz: 16_000, bitsPerSample: 16 }),
    chunk('LIST', info),
    chunk('odd!', Uint8Array.of(7)),
    chunk('data', encodeSamples([sine(440, 16_000, 0.002, 0.5), sine(440, 16_000, 0.002, 0.25)], 16, 'int')),
  ]);
  const inputs: Uint8Array[] = [];
  for (let cut = 0; cut < bytes.length; cut++) inputs.push(bytes.subarray(0, cut));
  const random = seededRandom(20_240_601);
  const headerEnd = bytes.length - 128; // everything before the sample bytes
  for (let i = 0; i < 400; i++) {
    const corrupt = bytes.slice();
    for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) {
      corrupt[Math.floor(random() * headerEnd)] = Math.floor(random() * 256);
    }
    inputs.push(corrupt);
  }
  for (const input of inputs) {
    try {
      const decoded = await decodeWav(input, 'fuzz.wav');
      assert.ok(decoded.samples instanceof Int16Array);
    } catch (err) {
      assert.ok(err instanceof InputError, `raw ${String(err)} for ${input.length} bytes`);
      assert.ok(err.message.startsWith('fuzz.wav: '));
      assert.doesNotMatch(err.message, /[\r\n]/);
      assert.ok(err.hint);
    }
  }
});
