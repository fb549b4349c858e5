import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { findSpeechBounds } from '../audio/vad.js';
import { readWav } from '../audio/wav.js';
import { describeZodIssues, InputError } from '../errors.js';
import type { Utterance } from './utterance.js';

/** The committed corpus (fixtures/audio), two levels above this file in both src/ and dist/. */
export const DEFAULT_CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'audio');

const sidecarSchema = z
  .object({
    id: z.string().optional(),
    transcript: z.string(),
    speechStartMs: z.number().min(0),
    speechEndMs: z.number().positive(),
    durationMs: z.number().positive().optional(),
    voice: z.string().optional(),
    source: z.string().optional(),
    speechBoundsMethod: z.string().optional(),
  })
  .refine((sidecar) => sidecar.speechEndMs > sidecar.speechStartMs, { message: 'must be greater than speechStartMs', path: ['speechEndMs'] });

async function readSidecar(path: string): Promise<z.infer<typeof sidecarSchema> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`${path}: cannot read the sidecar: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON: ${(err as Error).message}`, { hint: 'a sidecar is { "transcript": "...", "speechStartMs": N, "speechEndMs": N }', cause: err });
  }
  const parsed = sidecarSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(describeZodIssues(parsed.error, `${path}: `, '(root)'), { hint: 'a sidecar is { "transcript": "...", "speechStartMs": N, "speechEndMs": N } with 0 ≤ start < end ≤ the WAV duration' });
  }
  return parsed.data;
}

/** Loads one WAV and its speech bounds: from the sidecar `X.json` when present, else from the VAD. */
export async function loadUtterance(wavPath: string): Promise<Utterance> {
  const audio = await readWav(wavPath);
  const id = basename(wavPath).replace(/\.wav$/i, '');
  const sidecarPath = join(dirname(wavPath), `${id}.json`);
  const sidecar = await readSidecar(sidecarPath);
  if (sidecar) {
    if (sidecar.speechEndMs > audio.durationMs + 1) {
      throw new InputError(`${sidecarPath}: speechEndMs ${sidecar.speechEndMs} is past the end of ${wavPath} (${audio.durationMs.toFixed(0)} ms)`, {
        hint: 'measure the speech end again, or delete the sidecar to let the VAD find it',
      });
    }
    return { id, path: wavPath, samples: audio.samples, durationMs: audio.durationMs, speechStartMs: sidecar.speechStartMs, speechEndMs: sidecar.speechEndMs, transcript: sidecar.transcript, boundsSource: 'sidecar' };
  }
  const bounds = await findSpeechBounds(audio.samples);
  if (!bounds) {
    throw new InputError(`${wavPath}: no speech found`, { hint: 'the VAD heard no speech in this file; check it is a recording of a voice, or add a sidecar JSON with speechStartMs and speechEndMs' });
  }
  return { id, path: wavPath, samples: audio.samples, durationMs: audio.durationMs, ...bounds, transcript: '', boundsSource: 'vad' };
}

/** Every `*.wav` in `dir`, sorted by name. */
export async function loadCorpus(dir: string): Promise<Utterance[]> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new InputError(`--corpus ${dir}: not a directory`, { hint: 'point --corpus at a directory of WAV files' });
    entries = await readdir(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`--corpus ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`, {
      hint: 'point --corpus at a directory of WAV files',
      cause: err,
    });
  }
  const wavs = entries.filter((name) => name.toLowerCase().endsWith('.wav')).sort();
  if (wavs.length === 0) throw new InputError(`--corpus ${dir}: no .wav files`, { hint: 'add 16-bit PCM WAV recordings of caller utterances (any rate, mono or stereo)' });
  const utterances: Utterance[] = [];
  for (const name of wavs) utterances.push(await loadUtterance(join(dir, name)));
  return utterances;
}
