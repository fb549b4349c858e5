import OpenAI, { toFile } from 'openai';
import { SAMPLE_RATE_HZ } from '../../audio/pcm.js';
import { ResamplerPool } from '../../audio/stream-resampler.js';
import { encodeWav } from '../../audio/wav-encode.js';
import { HEADER_TRANSCRIPT_HINT, SPEECH_PCM_RATE_HZ } from '../../serve/openai-api.js';
import { ProviderError, ProviderStats, type ProviderStage } from '../provider-error.js';
import type { ChatMessage, LlmProvider, SttProvider, TtsProvider, TurnHints } from '../types.js';
import { HEADER_CONNECTION, nodeFetch, trackRequest } from './node-fetch.js';
import type { Clock } from '../../metrics/clock.js';
import { stalled, withRetries, type Attempt, type RetryPolicy } from './retry.js';

/** One stage's endpoint: any OpenAI-compatible server. The key is read from the environment, never stored elsewhere. */
export interface OpenAiStageConfig {
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key. */
  apiKeyEnv: string;
  /** TTS only. */
  voice?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export const OPENAI_DEFAULT_MODELS = { stt: 'whisper-1', llm: 'gpt-4o-mini', tts: 'tts-1', voice: 'alloy' } as const;
export const DEFAULT_STAGE_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

/** What every OpenAI-compatible stage shares: its client, its retry policy, and the run's stats. */
abstract class OpenAiStage {
  readonly name = 'openai';
  protected readonly api: OpenAI;
  protected readonly policy: RetryPolicy;

  constructor(
    protected readonly stage: ProviderStage,
    protected readonly config: OpenAiStageConfig,
    protected readonly stats: ProviderStats,
    protected readonly clock: Clock,
    env: NodeJS.ProcessEnv,
  ) {
    // The SDK's own retries would hide failures from the report; timeouts and retries are ours (retry.ts).
    this.api = new OpenAI({ baseURL: config.baseUrl, apiKey: env[config.apiKeyEnv] ?? '', maxRetries: 0, timeout: 600_000, fetch: nodeFetch });
    this.policy = { timeoutMs: config.timeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS, maxRetries: config.maxRetries ?? DEFAULT_MAX_RETRIES };
  }

  /**
   * Request options that tell the stage wrapper when the request left (`hints.wire`), and keep
   * when the latest piece of the answer arrived (`lastChunkAtMs`), for the first token's or audio's bytes.
   */
  protected wired(hints: TurnHints): { headers: Record<string, string>; release(): void; lastChunkAtMs(): number | undefined } {
    const wire = hints.wire;
    let lastChunkAtMs: number | undefined;
    const tracked = trackRequest({ sent: () => wire?.requestSent(this.clock.nowMs()), bodyChunk: () => (lastChunkAtMs = this.clock.nowMs()) });
    return { ...tracked, lastChunkAtMs: () => lastChunkAtMs };
  }

  protected noteConnection(response: Response): void {
    this.stats.connected(this.stage, response.headers.get(HEADER_CONNECTION) === 'new');
  }

  /**
   * The rest of a stream after its first chunk: each chunk must come within the timeout, and a
   * failure now is final (what was yielded cannot be taken back).
   */
  protected async *rest<T>(iterator: AsyncIterator<T>, attempt: Attempt, signal: AbortSignal): AsyncGenerator<T> {
    try {
      for (;;) {
        attempt.armTimeout();
        let step: IteratorResult<T>;
        try {
          step = await iterator.next();
        } catch (err) {
          if (signal.aborted) throw err;
          if (attempt.signal.aborted) throw stalled(this.stage, this.policy.timeoutMs, 1, err);
          throw new ProviderError(this.stage, 'connection', `the stream broke off: ${err instanceof Error ? err.message : String(err)}`, 1, { cause: err });
        }
        if (step.done) break;
        yield step.value;
      }
      // An aborted stream may end quietly instead of throwing; a stall or a cancel must not look complete.
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (attempt.signal.aborted) throw stalled(this.stage, this.policy.timeoutMs, 1, attempt.signal.reason);
    } finally {
      attempt.disarm();
    }
  }
}

class OpenAiStt extends OpenAiStage implements SttProvider {
  constructor(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, env: NodeJS.ProcessEnv, private readonly sendHint: boolean) {
    super('stt', config, stats, clock, env);
  }

  async transcribe(pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string> {
    const wav = encodeWav(pcm);
    const headers = this.sendHint && hints.transcript ? { [HEADER_TRANSCRIPT_HINT]: encodeURIComponent(hints.transcript) } : undefined;
    return withRetries('stt', this.policy, signal, this.stats, async (attempt) => {
      const file = await toFile(wav, 'utterance.wav', { type: 'audio/wav' });
      const { data, response } = await this.api.audio.transcriptions.create({ file, model: this.config.model }, { signal: attempt.signal, ...(headers ? { headers } : {}) }).withResponse();
      attempt.disarm();
      this.noteConnection(response);
      if (typeof data.text !== 'string') throw new ProviderError('stt', 'bad_response', 'the transcription has no text', 1);
      return data.text;
    });
  }
}

class OpenAiLlm extends OpenAiStage implements LlmProvider {
  constructor(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, env: NodeJS.ProcessEnv) {
    super('llm', config, stats, clock, env);
  }

  async *stream(messages: readonly ChatMessage[], hints: TurnHints, signal: AbortSignal): AsyncIterable<string> {
    const wire = this.wired(hints);
    // Until the first token nothing has been yielded, so a failure up to there is retried whole.
    const opened = await withRetries('llm', this.policy, signal, this.stats, async (attempt) => {
      const { data, response } = await this.api.chat.completions
        .create({ model: this.config.model, stream: true, messages: messages.map(({ role, content }) => ({ role, content })) }, { signal: attempt.signal, headers: wire.headers })
        .withResponse();
      this.noteConnection(response);
      const iterator = data[Symbol.asyncIterator]();
      for (;;) {
        attempt.armTimeout();
        const step = await iterator.next();
        if (step.done) return { iterator, attempt, first: undefined };
        const text = step.value.choices[0]?.delta?.content;
        if (text) {
          // the SDK parses each piece as it arrives: the latest piece carried this token
          const arrivedMs = wire.lastChunkAtMs();
          if (arrivedMs !== undefined) hints.wire?.firstBytes(arrivedMs);
          return { iterator, attempt, first: text };
        }
      }
    }).finally(() => wire.release());
    if (opened.first === undefined) {
      opened.attempt.disarm();
      return;
    }
    yield opened.first;
    for await (const chunk of this.rest(opened.iterator, opened.attempt, signal)) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) yield text;
    }
  }
}

class OpenAiTts extends OpenAiStage implements TtsProvider {
  /** Converters reused across requests: setting one up costs ~10 ms of CPU, which would land in tts.ttfb. */
  readonly #resamplers = new ResamplerPool(SPEECH_PCM_RATE_HZ, SAMPLE_RATE_HZ, SAMPLE_RATE_HZ / 50);

  constructor(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, env: NodeJS.ProcessEnv) {
    super('tts', config, stats, clock, env);
  }

  /** OpenAI's `pcm` is 24 kHz mono s16le; it is resampled to 16 kHz as it streams in. */
  async *synthesize(text: string, hints: TurnHints, signal: AbortSignal): AsyncIterable<Int16Array> {
    const resamplerReady = this.#resamplers.take();
    const wire = this.wired(hints);
    const opened = await withRetries('tts', this.policy, signal, this.stats, async (attempt) => {
      const response = await this.api.audio.speech.create(
        { model: this.config.model, voice: this.config.voice ?? OPENAI_DEFAULT_MODELS.voice, input: text, response_format: 'pcm' },
        { signal: attempt.signal, headers: wire.headers },
      );
      this.noteConnection(response);
      if (!response.body) throw new ProviderError('tts', 'bad_response', 'the speech response has no body', 1);
      const iterator = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      const first = await iterator.next();
      const arrivedMs = wire.lastChunkAtMs();
      if (!first.done && arrivedMs !== undefined) hints.wire?.firstBytes(arrivedMs);
      return { iterator, attempt, first };
    }).finally(() => wire.release());
    const resampler = await resamplerReady;
    let odd: number | undefined;
    const toFrames = (part: Uint8Array): Int16Array[] => {
      let bytes = part;
      if (odd !== undefined) {
        bytes = new Uint8Array(part.length + 1);
        bytes[0] = odd;
        bytes.set(part, 1);
        odd = undefined;
      }
      if (bytes.length % 2 === 1) {
        odd = bytes[bytes.length - 1];
        bytes = bytes.subarray(0, bytes.length - 1);
      }
      const samples = new Int16Array(bytes.length / 2);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
      return resampler.push(samples);
    };
    try {
      if (opened.first.done) {
        opened.attempt.disarm();
        return;
      }
      yield* toFrames(opened.first.value);
      for await (const part of this.rest(opened.iterator, opened.attempt, signal)) yield* toFrames(part);
    } finally {
      this.#resamplers.give(resampler);
    }
  }
}

export interface OpenAiStages {
  stt?: OpenAiStageConfig;
  llm?: OpenAiStageConfig;
  tts?: OpenAiStageConfig;
  /** Send the corpus transcript to the STT as a header (only `voicebench serve` reads it). */
  sendTranscriptHint: boolean;
}

export function openAiStt(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, sendHint: boolean, env: NodeJS.ProcessEnv = process.env): SttProvider {
  return new OpenAiStt(config, stats, clock, env, sendHint);
}

export function openAiLlm(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, env: NodeJS.ProcessEnv = process.env): LlmProvider {
  return new OpenAiLlm(config, stats, clock, env);
}

export function openAiTts(config: OpenAiStageConfig, stats: ProviderStats, clock: Clock, env: NodeJS.ProcessEnv = process.env): TtsProvider {
  return new OpenAiTts(config, stats, clock, env);
}
