import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { loadUtterance } from './corpus.js';
import { didYouMean } from '../input/did-you-mean.js';
import type { Utterance } from './utterance.js';

/** A path as messages show it: relative to the working directory when inside it, else absolute. */
export function displayPath(absolute: string): string {
  const fromCwd = relative(process.cwd(), absolute);
  return fromCwd === '' ? '.' : fromCwd.startsWith('..') || isAbsolute(fromCwd) ? absolute : fromCwd;
}

/** Where a scenario's utterance ids come from. */
export interface CorpusSource {
  /** Absolute. */
  dir: string;
  /** The key a problem with the directory is reported at: `corpus`, or `--corpus` when the flag gave it. */
  where: string;
  /** The directory as the user gave it, for messages. */
  given: string;
}

/** A reference is a path when it contains "/" or ends in .wav; otherwise it is a corpus utterance id. */
export function isPathRef(ref: string): boolean {
  return ref.includes('/') || /\.wav$/i.test(ref);
}

/** `message` is absent when there is no usable corpus source (a malformed `corpus` key, which the schema reports). */
type Listing = { ok: true; idToFile: Map<string, string>; shown: string } | { ok: false; message?: string };

/**
 * Turns utterance references into loaded utterances: ids through the corpus directory, paths
 * relative to the scenario file. Each WAV is loaded once however often it is referenced. A
 * problem comes back as a message, so that every reference can be checked.
 */
export class UtteranceResolver {
  readonly #scenarioDir: string;
  readonly #corpus: CorpusSource | undefined;
  #listing: Promise<Listing> | undefined;
  readonly #loaded = new Map<string, Promise<Utterance | string>>();

  /** Without a corpus, ids resolve to nothing (not to a problem); paths still resolve. */
  constructor(scenarioDir: string, corpus: CorpusSource | undefined) {
    this.#scenarioDir = scenarioDir;
    this.#corpus = corpus;
  }

  /** The corpus directory's problem (missing, not a directory), if it has one. */
  async corpusProblem(): Promise<string | undefined> {
    const listing = await this.#list();
    return listing.ok ? undefined : listing.message;
  }

  /** The utterance `ref` names, or what is wrong with it; undefined when the corpus itself is the problem (reported once, by `corpusProblem`). */
  async resolve(ref: string): Promise<Utterance | string | undefined> {
    if (isPathRef(ref)) return this.#loadPath(ref);
    const listing = await this.#list();
    if (!listing.ok) return undefined;
    const file = listing.idToFile.get(ref);
    if (file === undefined) {
      const ids = [...listing.idToFile.keys()];
      const corpus = listing.shown;
      return ids.length === 0 ? `no utterance "${ref}" in ${corpus}: it holds no .wav files` : `no utterance "${ref}" in ${corpus}${didYouMean(ref, ids)}`;
    }
    return this.#load(file);
  }

  /** Every corpus utterance in name order (what a scenario without `turns` plays), or what is wrong. */
  async all(): Promise<Utterance[] | string | undefined> {
    const listing = await this.#list();
    if (!listing.ok) return undefined;
    if (listing.idToFile.size === 0) return `no .wav files in ${listing.shown}; add caller WAVs, or list the turns`;
    const utterances: Utterance[] = [];
    for (const file of listing.idToFile.values()) {
      const utterance = await this.#load(file);
      if (typeof utterance === 'string') return utterance;
      utterances.push(utterance);
    }
    return utterances;
  }

  #list(): Promise<Listing> {
    this.#listing ??= this.#corpus === undefined ? Promise.resolve({ ok: false }) : listCorpus(this.#corpus);
    return this.#listing;
  }

  async #loadPath(ref: string): Promise<Utterance | string> {
    const file = resolve(this.#scenarioDir, ref);
    try {
      if ((await stat(file)).isDirectory()) return `${ref} is a directory, not a WAV file (resolved to ${file})`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? `no such file ${ref} (resolved to ${file})` : `cannot read ${ref} (${code ?? (err as Error).message}; resolved to ${file})`;
    }
    return this.#load(file);
  }

  #load(file: string): Promise<Utterance | string> {
    let loading = this.#loaded.get(file);
    if (loading === undefined) {
      loading = loadUtterance(file).catch((err: unknown) => {
        // a bad WAV or sidecar is the scenario's problem, reported where it is referenced; anything else is a bug
        if (!(err instanceof InputError)) throw err;
        return err.hint === undefined ? err.message : `${err.message} (${err.hint})`;
      });
      this.#loaded.set(file, loading);
    }
    return loading;
  }
}

async function listCorpus(corpus: CorpusSource): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(corpus.dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : `cannot read the directory (${code ?? (err as Error).message})`;
    return { ok: false, message: `${what} ${corpus.given}${corpus.given === corpus.dir ? '' : ` (resolved to ${corpus.dir})`}` };
  }
  const wavs = names.filter((name) => name.toLowerCase().endsWith('.wav')).sort();
  return { ok: true, shown: displayPath(corpus.dir), idToFile: new Map(wavs.map((name) => [name.replace(/\.wav$/i, ''), join(corpus.dir, name)])) };
}
