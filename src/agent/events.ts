import type { MarkRecord } from '../metrics/marks.js';

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
  /** All of the response's audio has been sent before this; `marks` are the agent's, host-monotonic ms. */
  | { type: 'response.done'; turn: number; reply: string; marks: MarkRecord }
  | { type: 'error'; code: AgentErrorCode; message: string; turn?: number };

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
