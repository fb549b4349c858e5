/**
 * The three stages behind small interfaces (DESIGN.md §4). Providers only do the work; the
 * agent's stage wrapper marks the timeline around them, so no provider can forget to report.
 * Every call takes an AbortSignal so barge-in can cancel work in flight.
 */
export interface TurnHints {
  /** Zero-based index of the turn in the run: seeds the sim providers' sampled latencies. */
  turnIndex: number;
  /** The corpus transcript of the utterance, when known; the sim STT returns it. */
  transcript?: string;
  /** Set by the stage wrapper: a provider that sends a request over the network reports here when it left. */
  wire?: WireTiming;
  /**
   * `voicebench serve`: when the request reached the server. The sim providers' schedule starts
   * there, so reading and parsing the request does not add to the latency the profile promises.
   */
  receivedAtMs?: number;
}

/**
 * When a network provider's request actually left (SDK, encoding and connection work done), on
 * the run's clock. The stage's start mark is taken then, so `llm.ttft` and `tts.ttfb` measure
 * the provider and the network; the client's own work before the request shows as `other`.
 */
export interface WireTiming {
  requestSent(atMs: number): void;
  /**
   * When the bytes carrying the first token (LLM) or the first audio (TTS) arrived, before the
   * client parsed, decoded or resampled them: `llm.first_token` and `tts.first_audio` are taken there.
   */
  firstBytes(atMs: number): void;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Set on an assistant message cut short by barge-in; content is what was actually heard. */
  interrupted?: boolean;
}

/** One utterance's streaming transcription: audio is pushed as it arrives, the final asked for at end of utterance. */
export interface SttStream {
  /** 16 kHz mono PCM16, in order; returns at once (the provider keeps what it needs). */
  push(pcm: Int16Array): void;
  /** End of utterance: resolves with the final transcript. */
  finish(signal: AbortSignal): Promise<string>;
}

export interface SttProvider {
  readonly name: string;
  /** Batch transcription of 16 kHz mono PCM16. */
  transcribe(pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string>;
  /**
   * Streaming transcription, where the provider has it; `onPartial` receives interim
   * transcripts while audio is pushed. Without it, streaming agents fall back to `transcribe`.
   */
  openStream?(hints: TurnHints, onPartial: (text: string) => void): SttStream;
}

export interface LlmProvider {
  readonly name: string;
  /** Streams the reply token by token (a token is a string fragment, spaces included). */
  stream(messages: readonly ChatMessage[], hints: TurnHints, signal: AbortSignal): AsyncIterable<string>;
}

export interface TtsProvider {
  readonly name: string;
  /** Streams 16 kHz mono PCM16 chunks of the spoken text; leading silence is the provider's. */
  synthesize(text: string, hints: TurnHints, signal: AbortSignal): AsyncIterable<Int16Array>;
}

export interface Pipeline {
  stt: SttProvider;
  llm: LlmProvider;
  tts: TtsProvider;
}
