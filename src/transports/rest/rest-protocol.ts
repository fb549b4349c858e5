/**
 * The REST wire format (docs/protocol-rest.md): one POST per turn, the caller's utterance as a
 * WAV body, the bot's whole reply as a WAV response, agent marks in response headers.
 */
export const TURN_PATH = '/v1/turns';
export const HEADER_CALL = 'x-voicebench-call';
export const HEADER_TURN = 'x-voicebench-turn';
/** Sim-only hint: the corpus transcript, URI-encoded, which the sim STT answers with. */
export const HEADER_TRANSCRIPT = 'x-voicebench-transcript';
/** Agent marks as JSON `{ "stt.start": <monotonic ms>, … }` on the host's shared clock. */
export const HEADER_MARKS = 'x-voicebench-marks';
export const HEADER_REPLY = 'x-voicebench-reply';
/**
 * Sent with the request that interrupted the previous answer: how many ms of that answer's audio
 * the caller played before it stopped the playback. The agent truncates its context to it.
 */
export const HEADER_INTERRUPTED = 'x-voicebench-interrupted';
/** In the answer: the interrupted assistant message (URI-encoded) this turn's LLM request carried. */
export const HEADER_CONTEXT_INTERRUPTED = 'x-voicebench-context-interrupted';
/** A warm-up request: decoded and answered with 204, no pipeline run, no marks. */
export const HEADER_WARMUP = 'x-voicebench-warmup';
/** Largest accepted upload: five minutes of 16 kHz mono PCM16 with room for other formats. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

export interface RestErrorBody {
  /** `stage` and `class` name a provider that failed, when one did. */
  error: { message: string; stage?: string; class?: string };
}
