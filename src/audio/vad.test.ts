// test-lane: shared
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import wavefile from 'wavefile';
import { FRAME_SAMPLES, msToSamples } from './pcm.js';
import {
  DEFAULT_SILENCE_TIMEOUT_MS,
  SileroVad,
  SpeechDetector,
  VAD_WINDOW_MS,
  VAD_WINDOW_SAMPLES,
  findSpeechBounds,
  loadVadModel,
  type SpeechEvent,
  type VadModelKind,
} from './vad.js';

/**
 * How far the default model may be from the corpus sidecars (energy threshold, 10 ms grid).
 * Starts: the VAD decides per 32 ms window, so a start is off by less than one window (measured
 * max 20 ms). Ends: the VAD rates the decaying tail of the last word as speech for up to ~3.5
 * windows past the sidecar's -40 dBFS cut (measured +22 to +112 ms with legacy, the default;
 * -48 to +144 ms with v5), plus one window of grid: from one window early to five windows late.
 */
const START_TOLERANCE_MS = VAD_WINDOW_MS;
const END_EARLY_TOLERANCE_MS = VAD_WINDOW_MS;
const END_LATE_TOLERANCE_MS = 5 * VAD_WINDOW_MS;

function assertNear(actualMs: number, expectedMs: number, earlyMs: number, lateMs: number, what: string): void {
  const errMs = actualMs - expectedMs;
  assert.ok(errMs >= -earlyMs && errMs <= lateMs, `${what}: ${actualMs} ms vs sidecar ${expectedMs} ms`);
}

const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));

interface Fixture {
  name: string;
  samples: Int16Array;
  speechStartMs: number;
  speechEndMs: number;
}

async function loadFixtures(): Promise<Fixture[]> {
  const names = (await readdir(FIXTURES_DIR)).filter((n) => n.endsWith('.wav')).sort();
  const fixtures: Fixture[] = [];
  for (const name of names) {
    const sidecar = JSON.parse(await readFile(join(FIXTURES_DIR, name.replace(/\.wav$/, '.json')), 'utf8')) as {
      speechStartMs: number;
      speechEndMs: number;
    };
    const wav = new wavefile.WaveFile(await readFile(join(FIXTURES_DIR, name)));
    const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
    fixtures.push({ name, samples, speechStartMs: sidecar.speechStartMs, speechEndMs: sidecar.speechEndMs });
  }
  assert.ok(fixtures.length > 0, `no corpus WAVs in ${FIXTURES_DIR}`);
  return fixtures;
}

/** Pushes `samples` in frames of the sizes `frameSizes` yields (cycled), then flushes nothing. */
async function pushAll(detector: SpeechDetector, samples: Int16Array, frameSizes: () => number): Promise<SpeechEvent[]> {
  const events: SpeechEvent[] = [];
  for (let at = 0; at < samples.length; ) {
    const size = Math.max(1, frameSizes());
    events.push(...(await detector.push(samples.subarray(at, at + size))));
    at += size;
  }
  return events;
}

const twentyMs = (): number => FRAME_SAMPLES;

function withTrailingSilence(samples: Int16Array, silenceMs: number): Int16Array {
  const out = new Int16Array(samples.length + msToSamples(silenceMs));
  out.set(samples);
  return out;
}

function noise(seed: number, amplitude: number, length: number): Int16Array {
  const rng = xoroshiro128plus(seed);
  return Int16Array.from({ length }, () => uniformInt(rng, -amplitude, amplitude));
}

const MODELS: readonly VadModelKind[] = ['v5', 'legacy'];

describe('SileroVad', () => {
  for (const kind of MODELS) {
    it(`${kind}: white noise at -25 dBFS stays far below the speech threshold`, async () => {
      const vad = new SileroVad(await loadVadModel(kind));
      // Uniform in ±3000: RMS 1732, about -25.5 dBFS. Measured max 0.04 (v5) and 0.26 (legacy).
      const samples = noise(42, 3000, 150 * VAD_WINDOW_SAMPLES);
      let maxProbability = 0;
      for (let at = 0; at < samples.length; at += VAD_WINDOW_SAMPLES) {
        const window = Float32Array.from(samples.subarray(at, at + VAD_WINDOW_SAMPLES), (s) => s / 32768);
        maxProbability = Math.max(maxProbability, await vad.process(window));
      }
      assert.ok(maxProbability < 0.35, `max probability ${maxProbability}`);
    });

    it(`${kind}: reset() returns the stream to a fresh state`, async () => {
      const model = await loadVadModel(kind);
      const windows = [0, 1, 2].map((i) => Float32Array.from(noise(i, 8000, VAD_WINDOW_SAMPLES), (s) => s / 32768));
      const run = async (vad: SileroVad): Promise<number[]> => {
        const out: number[] = [];
        for (const w of windows) out.push(await vad.process(w));
        return out;
      };
      const vad = new SileroVad(model);
      const first = await run(vad);
      vad.reset();
      assert.deepEqual(await run(vad), first);
    });
  }

  it('rejects a window that is not 512 samples', async () => {
    const vad = new SileroVad(await loadVadModel());
    assert.throws(() => vad.process(new Float32Array(320)), RangeError);
  });

  it('caches one model per kind', async () => {
    assert.equal(await loadVadModel('v5'), await loadVadModel('v5'));
    assert.equal(await loadVadModel(), await loadVadModel('legacy'));
  });
});

describe('SpeechDetector', () => {
  it('reports nothing for digital silence', async () => {
    const detector = new SpeechDetector(await loadVadModel());
    const events = await pushAll(detector, new Int16Array(msToSamples(3000)), twentyMs);
    assert.deepEqual([...events, ...(await detector.flush())], []);
  });

  it('reports nothing for white noise', async () => {
    const detector = new SpeechDetector(await loadVadModel());
    const events = await pushAll(detector, noise(7, 3000, msToSamples(3000)), twentyMs);
    assert.deepEqual([...events, ...(await detector.flush())], []);
  });

  it('finds the corpus speech bounds, then declares eou silenceTimeoutMs after speech_end', async () => {
    const model = await loadVadModel();
    for (const f of await loadFixtures()) {
      const detector = new SpeechDetector(model);
      const events = await pushAll(detector, withTrailingSilence(f.samples, 1000), twentyMs);
      const start = events.find((e) => e.type === 'speech_start');
      const eouIndex = events.findIndex((e) => e.type === 'eou');
      assert.ok(start && eouIndex >= 0, `${f.name}: ${JSON.stringify(events)}`);
      const eou = events[eouIndex] as SpeechEvent;
      const end = events.slice(0, eouIndex).findLast((e) => e.type === 'speech_end' && e.confirmed);
      assert.ok(end, `${f.name}: no confirmed speech_end before eou`);
      assertNear(start.atMs, f.speechStartMs, START_TOLERANCE_MS, START_TOLERANCE_MS, `${f.name} speech_start`);
      assertNear(end.atMs, f.speechEndMs, END_EARLY_TOLERANCE_MS, END_LATE_TOLERANCE_MS, `${f.name} speech_end`);
      const eouDelayMs = eou.atMs - end.atMs;
      assert.ok(
        eouDelayMs >= DEFAULT_SILENCE_TIMEOUT_MS && eouDelayMs < DEFAULT_SILENCE_TIMEOUT_MS + VAD_WINDOW_MS,
        `${f.name}: eou ${eouDelayMs} ms after speech_end`,
      );
      assert.equal(events.filter((e) => e.type === 'eou').length, 1, `${f.name}: one utterance, one eou`);
    }
  });

  it('honours a custom silenceTimeoutMs', async () => {
    const [fixture] = await loadFixtures();
    assert.ok(fixture);
    const detector = new SpeechDetector(await loadVadModel(), { silenceTimeoutMs: 200 });
    const events = await pushAll(detector, withTrailingSilence(fixture.samples, 1000), twentyMs);
    const eouIndex = events.findIndex((e) => e.type === 'eou');
    const end = events.slice(0, eouIndex).findLast((e) => e.type === 'speech_end');
    assert.ok(eouIndex >= 0 && end, JSON.stringify(events));
    const eouDelayMs = (events[eouIndex] as SpeechEvent).atMs - end.atMs;
    assert.ok(eouDelayMs >= 200 && eouDelayMs < 200 + VAD_WINDOW_MS, `eou ${eouDelayMs} ms after speech_end`);
  });

  it('gives the same events for 20 ms frames, random frame sizes and one whole push', async () => {
    const model = await loadVadModel();
    const [fixture] = await loadFixtures();
    assert.ok(fixture);
    const samples = withTrailingSilence(fixture.samples, 800);
    const rng = xoroshiro128plus(1);
    const byTwentyMs = await pushAll(new SpeechDetector(model), samples, twentyMs);
    const byRandom = await pushAll(new SpeechDetector(model), samples, () => uniformInt(rng, 1, 2000));
    const whole = await new SpeechDetector(model).push(samples);
    assert.ok(byTwentyMs.length > 0);
    assert.deepEqual(byRandom, byTwentyMs);
    assert.deepEqual(whole, byTwentyMs);
  });

  it('processes pushes in order even when not awaited', async () => {
    const model = await loadVadModel();
    const [fixture] = await loadFixtures();
    assert.ok(fixture);
    const expected = await pushAll(new SpeechDetector(model), fixture.samples, twentyMs);
    const detector = new SpeechDetector(model);
    const pending: Promise<SpeechEvent[]>[] = [];
    for (let at = 0; at < fixture.samples.length; at += FRAME_SAMPLES) {
      pending.push(detector.push(fixture.samples.subarray(at, at + FRAME_SAMPLES)));
    }
    assert.deepEqual((await Promise.all(pending)).flat(), expected);
  });

  it('does not count a segment shorter than minSpeechMs', async () => {
    const model = await loadVadModel();
    const [fixture] = await loadFixtures();
    assert.ok(fixture);
    // With minSpeechMs longer than the whole utterance nothing counts: no confirmation, no eou.
    const detector = new SpeechDetector(model, { minSpeechMs: 60_000 });
    const events = await pushAll(detector, withTrailingSilence(fixture.samples, 1000), twentyMs);
    assert.ok(events.some((e) => e.type === 'speech_start'));
    assert.ok(!events.some((e) => e.type === 'speech_confirmed' || e.type === 'eou'));
    assert.ok(events.every((e) => e.type !== 'speech_end' || !e.confirmed));
  });
});

describe('findSpeechBounds', () => {
  it('returns undefined for silence', async () => {
    assert.equal(await findSpeechBounds(new Int16Array(msToSamples(2000))), undefined);
  });

  it('matches the corpus sidecars', async () => {
    for (const f of await loadFixtures()) {
      const bounds = await findSpeechBounds(f.samples);
      assert.ok(bounds, `${f.name}: no speech found`);
      assertNear(bounds.speechStartMs, f.speechStartMs, START_TOLERANCE_MS, START_TOLERANCE_MS, `${f.name} start`);
      assertNear(bounds.speechEndMs, f.speechEndMs, END_EARLY_TOLERANCE_MS, END_LATE_TOLERANCE_MS, `${f.name} end`);
    }
  });
});
