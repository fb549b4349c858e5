/**
 * Silero VAD: accuracy of speech bounds against the corpus sidecars, and cost per window, for
 * each model. Run directly: `node --import tsx bench/vad.ts`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wavefile from 'wavefile';
import { InputError } from '../src/errors.js';
import { systemClock } from '../src/metrics/clock.js';
import { VAD_WINDOW_SAMPLES, SileroVad, findSpeechBounds, loadVadModel, type VadModelKind } from '../src/audio/vad.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/audio/', import.meta.url));
const MODELS: readonly VadModelKind[] = ['v5', 'legacy'];
const WARMUP_WINDOWS = 200;
const COST_WINDOWS = 5000;

export interface VadBenchRow {
  model: VadModelKind;
  files: number;
  /** Files where the model found no speech at all (not included in the error figures). */
  missedFiles: number;
  meanStartErrMs: number;
  maxStartErrMs: number;
  meanEndErrMs: number;
  maxEndErrMs: number;
  /** Signed mean of (detected - sidecar) speech end: positive means the VAD ends late. */
  meanEndBiasMs: number;
  costP50Ms: number;
  costP99Ms: number;
}

export interface Fixture {
  name: string;
  samples: Int16Array;
  speechStartMs: number;
  speechEndMs: number;
}

/** Corpus WAVs (16 kHz mono 16-bit) that have a sidecar with speech bounds. */
export async function loadFixtures(dir = FIXTURES_DIR): Promise<Fixture[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.wav')).sort();
  const fixtures: Fixture[] = [];
  for (const name of names) {
    const sidecarPath = join(dir, name.replace(/\.wav$/, '.json'));
    const sidecarText = await readFile(sidecarPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined; // no sidecar: not a benchmark fixture
      throw err;
    });
    if (sidecarText === undefined) continue;
    const sidecar: unknown = JSON.parse(sidecarText);
    if (!isBounds(sidecar)) continue;
    const wav = new wavefile.WaveFile(await readFile(join(dir, name)));
    const fmt = wav.fmt as { sampleRate: number; numChannels: number };
    if (fmt.sampleRate !== 16_000 || fmt.numChannels !== 1 || wav.bitDepth !== '16') {
      throw new InputError(`${join(dir, name)}: expected 16 kHz mono 16-bit PCM`);
    }
    const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
    fixtures.push({ name, samples, speechStartMs: sidecar.speechStartMs, speechEndMs: sidecar.speechEndMs });
  }
  return fixtures;
}

function isBounds(value: unknown): value is { speechStartMs: number; speechEndMs: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.speechStartMs === 'number' && typeof v.speechEndMs === 'number';
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Cost of one `SileroVad.process` call on real speech windows, after warm-up. */
async function measureCostMs(model: VadModelKind, fixtures: readonly Fixture[]): Promise<number[]> {
  const windows: Float32Array[] = [];
  for (const f of fixtures) {
    for (let at = 0; at + VAD_WINDOW_SAMPLES <= f.samples.length; at += VAD_WINDOW_SAMPLES) {
      windows.push(Float32Array.from(f.samples.subarray(at, at + VAD_WINDOW_SAMPLES), (s) => s / 32768));
    }
  }
  if (windows.length === 0) windows.push(new Float32Array(VAD_WINDOW_SAMPLES));
  const vad = new SileroVad(await loadVadModel(model));
  for (let i = 0; i < WARMUP_WINDOWS; i++) await vad.process(windows[i % windows.length] as Float32Array);
  const costsMs: number[] = [];
  for (let i = 0; i < COST_WINDOWS; i++) {
    const window = windows[i % windows.length] as Float32Array;
    const startMs = systemClock.nowMs();
    await vad.process(window);
    costsMs.push(systemClock.nowMs() - startMs);
  }
  return costsMs.sort((a, b) => a - b);
}

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

export async function benchVad(fixtures?: readonly Fixture[]): Promise<VadBenchRow[]> {
  const corpus = fixtures ?? (await loadFixtures());
  if (corpus.length === 0) {
    throw new InputError(`${FIXTURES_DIR}: no WAV with a speechStartMs/speechEndMs sidecar`, {
      hint: 'generate the corpus with `npm run corpus`',
    });
  }
  const rows: VadBenchRow[] = [];
  for (const model of MODELS) {
    const startErrsMs: number[] = [];
    const endErrsMs: number[] = [];
    let missedFiles = 0;
    for (const f of corpus) {
      const bounds = await findSpeechBounds(f.samples, { model });
      if (!bounds) {
        missedFiles++;
        continue;
      }
      startErrsMs.push(bounds.speechStartMs - f.speechStartMs);
      endErrsMs.push(bounds.speechEndMs - f.speechEndMs);
    }
    const costsMs = await measureCostMs(model, corpus);
    const abs = (xs: number[]): number[] => xs.map(Math.abs);
    rows.push({
      model,
      files: corpus.length,
      missedFiles,
      meanStartErrMs: round2(mean(abs(startErrsMs))),
      maxStartErrMs: round2(Math.max(...abs(startErrsMs))),
      meanEndErrMs: round2(mean(abs(endErrsMs))),
      maxEndErrMs: round2(Math.max(...abs(endErrsMs))),
      meanEndBiasMs: round2(mean(endErrsMs)),
      costP50Ms: Math.round(percentile(costsMs, 50) * 1000) / 1000,
      costP99Ms: Math.round(percentile(costsMs, 99) * 1000) / 1000,
    });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchVad());
}
