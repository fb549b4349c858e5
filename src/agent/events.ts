import type { MarkRecord } from '../metrics/marks.js';
import type { SpokenChunk } from './truncation.js';

/**
 * What a streaming agent tells the caller besides audio: the event vocabulary shared by the
 * WebSocket protocol (JSON text messages) and the WebRTC data channel. docs/protocol-ws.md
 * documents each one on the wire.
 */
export type AgentEvent =
  | { type: 'vad'; state: 'speech_start' | 'speech_end' | 'eou'; turn: number }
  | { type: 'transcript.partial'; turn: number; text: string }
  | { type: 'transcript.final'; turn: number; text: string }
  | { type: 'response.start'; turn: number }
  /** A chunk of the answer is about to be spoken; `audioStartMs` is where its audio starts in the response's audio. */
  | { type: 'response.text'; turn: number; text: string; audioStartMs: number }
  /** Barge-in onset: the agent stopped sending; the caller holds its playback. */
  | { type: 'audio.pause'; turn: number }
  /** The speech was not confirmed (a cough, a backchannel): playback goes on where it was held. */
  | { type: 'audio.resume'; turn: number }
  /**
   * Barge-in committed: no more audio comes for this turn, and the caller drops what it has
   * buffered. `reply` is the answer as far as it was heard (what the context now holds, flagged
   * interrupted); `heardMs` the agent's estimate of the audio heard; `chunks` the answer's chunks so far.
   */
  | { type: 'response.interrupted'; turn: number; reply: string; heardMs: number; chunks: SpokenChunk[]; marks: MarkRecord }
  /**
   * All of the response's audio has been sent before this; `marks` are the agent's, host-monotonic ms.
   * `contextInterrupted` is the interrupted answer this turn's LLM request carried, if any.
   */
  | {
      type: 'response.done';
      turn: number;
      reply: string;
      marks: MarkRecord;
      audioMs: number;
      contextInterrupted?: string;
    }
  /** `stage` and `errorClass` name a provider that failed (ProviderError), when one did. */
  | { type: 'error'; code: AgentErrorCode; message: string; turn?: number; stage?: string; errorClass?: string };

export type AgentErrorCode = 'bad_message' | 'bad_audio' | 'overloaded' | 'pipeline' | 'internal';

/** Per-turn hints a caller may send before an utterance; a real agent may ignore them. */
export interface TurnStartHints {
  turn: number;
  /** The corpus transcript (only the sim STT reads it). */
  transcript?: string;
  /** Which frame after this turn's start carries the last voiced sample, for the `uplink` span. */
  speechEndFrame?: number;
}

/** How the agent reaches the caller: one implementation per transport. */
export interface CallOutput {
  event(event: AgentEvent): void;
  /** One 20 ms frame of 16 kHz PCM16; throws when the caller is gone or not reading. */
  audio(frame: Int16Array): void;
}
