import OpenAI, { toFile } from 'openai';
import { SAMPLE_RATE_HZ } from '../../audio/pcm.js';
import { ResamplerPool } from '../../audio/stream-resampler.js';
import { encodeWav } from '../../audio/wav-encode.js';
import { nodeFetch } from './node-fetch.js';
import { HEADER_TRANSCRIPT_HINT, SPEECH_PCM_RATE_HZ } from '../../serve/openai-api.js';
import type { ChatMessage, LlmProvider, Pipeline, SttProvider, TtsProvider, TurnHints } from '../types.js';

/** One stage's endpoint: any OpenAI-compatible server. The key is read from the environment, never stored elsewhere. */
export interface OpenAiStageConfig {
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key. */
  apiKeyEnv: string;
  /** TTS only. */
  voice?: string;
}

export interface OpenAiPipelineConfig {
  stt: OpenAiStageConfig;
  llm: OpenAiStageConfig;
  tts: OpenAiStageConfig;
  /** Send the corpus transcript to the STT as a header (only `voicebench serve` reads it). */
  sendTranscriptHint: boolean;
}

export const OPENAI_DEFAULT_MODELS = { stt: 'whisper-1', llm: 'gpt-4o-mini', tts: 'tts-1', voice: 'alloy' } as const;

function client(stage: OpenAiStageConfig, env: NodeJS.ProcessEnv): OpenAI {
  // The SDK's own retries would hide failures from the report; timeouts and retries are the runner's.
  return new OpenAI({ baseURL: stage.baseUrl, apiKey: env[stage.apiKeyEnv] ?? '', maxRetries: 0, fetch: nodeFetch });
}

/** An aborted stream may end quietly instead of throwing; a cancelled call must not look complete. */
function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

class OpenAiStt implements SttProvider {
  readonly name = 'openai';
  constructor(
    private readonly api: OpenAI,
    private readonly stage: OpenAiStageConfig,
    private readonly sendHint: boolean,
  ) {}

  async transcribe(pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string> {
    const file = await toFile(encodeWav(pcm), 'utterance.wav', { type: 'audio/wav' });
    const headers = this.sendHint && hints.transcript ? { [HEADER_TRANSCRIPT_HINT]: encodeURIComponent(hints.transcript) } : undefined;
    const result = await this.api.audio.transcriptions.create({ file, model: this.stage.model }, { signal, ...(headers ? { headers } : {}) });
    throwIfAborted(signal);
    return result.text;
  }
}

class OpenAiLlm implements LlmProvider {
  readonly name = 'openai';
  constructor(
    private readonly api: OpenAI,
    private readonly stage: OpenAiStageConfig,
  ) {}

  async *stream(messages: readonly ChatMessage[], _hints: TurnHints, signal: AbortSignal): AsyncIterable<string> {
    const stream = await this.api.chat.completions.create(
      { model: this.stage.model, stream: true, messages: messages.map(({ role, content }) => ({ role, content })) },
      { signal },
    );
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) yield text;
    }
    throwIfAborted(signal);
  }
}

class OpenAiTts implements TtsProvider {
  readonly name = 'openai';
  /** Converters reused across requests: setting one up costs ~10 ms of CPU, which would land in tts.ttfb. */
  readonly #resamplers = new ResamplerPool(SPEECH_PCM_RATE_HZ, SAMPLE_RATE_HZ, SAMPLE_RATE_HZ / 50);
  constructor(
    private readonly api: OpenAI,
    private readonly stage: OpenAiStageConfig,
  ) {}

  /** OpenAI's `pcm` is 24 kHz mono s16le; it is resampled to 16 kHz as it streams in. */
  async *synthesize(text: string, _hints: TurnHints, signal: AbortSignal): AsyncIterable<Int16Array> {
    const resamplerReady = this.#resamplers.take();
    const response = await this.api.audio.speech.create(
      { model: this.stage.model, voice: this.stage.voice ?? OPENAI_DEFAULT_MODELS.voice, input: text, response_format: 'pcm' },
      { signal },
    );
    const resampler = await resamplerReady;
    if (!response.body) {
      this.#resamplers.give(resampler);
      throw new Error('the speech response has no body');
    }
    let odd: number | undefined;
    try {
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
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
        for (const frame of resampler.push(samples)) yield frame;
      }
      throwIfAborted(signal);
    } finally {
      this.#resamplers.give(resampler);
    }
  }
}

/** The three stages over OpenAI-compatible HTTP APIs, each with its own server, model and key. */
export function createOpenAiPipeline(config: OpenAiPipelineConfig, env: NodeJS.ProcessEnv = process.env): Pipeline {
  return {
    stt: new OpenAiStt(client(config.stt, env), config.stt, config.sendTranscriptHint),
    llm: new OpenAiLlm(client(config.llm, env), config.llm),
    tts: new OpenAiTts(client(config.tts, env), config.tts),
  };
}
