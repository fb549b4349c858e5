import type { TransportError } from '../errors.js';
import type { Utterance } from '../scenarios/utterance.js';

/**
 * What a target protocol's client (src/targets/) gives the black-box caller: a microphone that
 * takes 20 ms frames, and what the agent sent, already turned into what its real client would
 * make of it. Everything the caller learns arrives here stamped with its arrival on the
 * caller's clock: there is no other clock.
 */
export interface TargetLink {
  /** One 20 ms frame of 16 kHz PCM16 from the microphone; the client encodes it for its protocol. */
  sendFrame(frame: Int16Array): void;
  /** Sim-only hints before an utterance's first frame (when the target asked for them). */
  announce(turn: number, utterance: Utterance): void;
  listen(listener: TargetListener, speaker: Speaker): void;
}

export interface TargetListener {
  /**
   * Reply audio, decoded to 16 kHz PCM16 (any length), as it reached the caller. `responseId`:
   * the protocol's name for the answer it belongs to, where it has one (Realtime).
   */
  audio(samples: Int16Array, arrivalMs: number, responseId?: string): void;
  /**
   * The agent's first sign that it heard the caller over it (Twilio `clear`, a Realtime
   * `speech_started` during playback), after the client did what its real client does.
   */
  interruption(arrivalMs: number): void;
  /** Text of the reply the protocol carries alongside its audio (Realtime's audio transcript). */
  replyText(text: string, responseId?: string): void;
  /** The protocol's own end-of-utterance event (Realtime `input_audio_buffer.speech_stopped`). */
  endOfUtterance(arrivalMs: number): void;
  /** No more audio comes for the answer (Realtime `response.done`); `cancelled`: it was cut short. */
  responseDone(arrivalMs: number, cancelled: boolean, responseId?: string): void;
  /** A message that breaks the protocol, or an error the agent reported: the turn fails naming it. */
  protocolError(problem: string): void;
  closed(why: TransportError): void;
}

/** The caller's loudspeaker as a protocol client sees it (Twilio's media buffer, a Realtime app's player). */
export interface Speaker {
  /** Reply audio is still queued to play at `atMs`. */
  playing(atMs: number): boolean;
  /** Of the answer playing now, the audio played by `atMs`. */
  playedMs(atMs: number): number;
  /** When what is queued has played (undefined: nothing was queued). */
  queuedUntilMs(): number | undefined;
  /** Drops what is queued (Twilio `clear`, a Realtime client stopping its own playback). */
  drop(atMs: number): void;
}
