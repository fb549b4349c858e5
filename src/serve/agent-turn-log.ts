import { createWriteStream, type WriteStream } from 'node:fs';
import type { AgentEvent } from '../agent/events.js';
import { InputError, RunError } from '../errors.js';
import type { MarkRecord } from '../metrics/marks.js';
import type { TargetProtocol } from '../names.js';

/**
 * One turn as the agent behind `voicebench serve` saw it: the protocol it was reached over, the
 * call, and the agent's own marks (host-monotonic ms). Written so a caller on the same host can
 * compare the agent's interval (`agent.speech_end_received` → `agent.first_audio_out`) with what it
 * measured itself.
 */
export interface AgentTurnEntry {
  protocol: TargetProtocol;
  /** The call's id: twilio the streamSid, openai-realtime the session id, voicebench the session.start `call` (or one made up). */
  call: string;
  turn: number;
  outcome: 'done' | 'interrupted';
  marks: MarkRecord;
}

export type AgentTurnLog = (entry: AgentTurnEntry) => void;

/** The entry for an event that ends a turn (`response.done`, `response.interrupted`); undefined for every other event. */
export function turnEntryOf(protocol: TargetProtocol, call: string, event: AgentEvent): AgentTurnEntry | undefined {
  switch (event.type) {
    case 'response.done':
      return { protocol, call, turn: event.turn, outcome: 'done', marks: event.marks };
    case 'response.interrupted':
      return { protocol, call, turn: event.turn, outcome: 'interrupted', marks: event.marks };
    case 'vad':
    case 'transcript.partial':
    case 'transcript.final':
    case 'response.start':
    case 'response.text':
    case 'audio.pause':
    case 'audio.resume':
    case 'error':
      return undefined;
    default: {
      const unknown: never = event;
      throw new Error(`unhandled agent event ${JSON.stringify(unknown)}`);
    }
  }
}

export interface TurnLogFile {
  /** Appends one JSON line; never throws (a failed write goes to `onError`). */
  log: AgentTurnLog;
  /** Flushes and closes the file; rejects if a write failed. */
  close(): Promise<void>;
}

/**
 * `--log-turns FILE`: truncates FILE, then appends each entry as one JSON line as it comes (a
 * write stream keeps them in order). A path that cannot be opened is bad input (exit 2); a write
 * that fails later is reported once through `onError` as a RunError (exit 3).
 */
export async function openTurnLogFile(path: string, onError: (err: RunError) => void): Promise<TurnLogFile> {
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(new InputError(`--log-turns ${path}: cannot open it for writing: ${err.message}`, { hint: 'give a file in a directory that exists and is writable', cause: err })));
  });
  let failure: RunError | undefined;
  stream.on('error', (err) => {
    if (failure) return;
    failure = new RunError(`--log-turns ${path}: writing failed: ${err.message}`, { hint: 'check the disk and the file; the entries before the failure are in the file', cause: err });
    onError(failure);
  });
  return {
    log: (entry) => {
      if (!failure && stream.writable) stream.write(`${JSON.stringify(entry)}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        const settle = (): void => (failure ? reject(failure) : resolve());
        if (stream.closed) return settle(); // already closed by a failed write
        // 'close' follows the last write or the error: by then `failure` holds any write that failed
        stream.once('close', settle);
        stream.end();
      }),
  };
}
