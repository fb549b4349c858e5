import { WebSocket, type RawData } from 'ws';
import { firstSpeechFrame, lastSpeechFrame, replayFrames } from '../../caller/replay.js';
import { Playout } from '../../caller/playout.js';
import { TurnError } from '../../caller/turn-error.js';
import { TransportError } from '../../errors.js';
import type { Clock } from '../../metrics/clock.js';
import { Timeline } from '../../metrics/timeline.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { agentMarksOnly } from '../agent-marks.js';
import type { TurnResult } from '../rest/rest-caller.js';
import {
  agentMessageSchema,
  decodeFrame,
  encodeFrame,
  MAX_TEXT_MESSAGE_BYTES,
  parseMessage,
  STREAM_AUDIO,
  STREAM_PROTOCOL,
  type AgentMessage,
  type CallerMessage,
} from '../stream-protocol.js';

/** How long the microphone streams silence after the recording while waiting for the agent to answer. */
const MAX_WAIT_FOR_RESPONSE_MS = 5_000;
/** The agent must answer session.start within this. */
const SESSION_READY_TIMEOUT_MS = 10_000;
/** A started response must finish within this. */
const MAX_RESPONSE_MS = 60_000;

export interface WsCallerOptions {
  agentUrl: string;
  clock: Clock;
  callId: string;
  /** Send the corpus transcript and speech-end frame as hints (the sim STT and the uplink span read them). */
  sendHints: boolean;
  /** Playback starts this long after the first bot frame arrives. */
  jitterBufferMs?: number;
}

/** What the caller is waiting for in the turn in progress. */
interface TurnInProgress {
  index: number;
  timeline: Timeline;
  playout: Playout;
  responseStartedAtMs: number | undefined;
  eouBeforeSpeechEnd: boolean;
  done: { reply: string } | undefined;
  error: TurnError | undefined;
}

/**
 * The streaming caller: streams the utterance as 20 ms frames in real time from its first
 * sample (no endpointing of its own), keeps the microphone open with silence until the agent's
 * response has been sent, and plays the bot's frames out in real time as they arrive.
 */
export class WsCaller {
  #turn: TurnInProgress | undefined;
  #closed: TransportError | undefined;
  #pongs = new Map<string | number, () => void>();

  private constructor(
    private readonly options: WsCallerOptions,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('close', (code, reason) => {
      this.#closed = new TransportError(`the agent closed the connection (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
    });
    socket.on('error', () => undefined); // 'close' follows and says what happened
  }

  /** Connects and opens the session; the agent must answer session.start with session.ready. */
  static async connect(options: WsCallerOptions, signal: AbortSignal): Promise<WsCaller> {
    const socket = new WebSocket(options.agentUrl, { maxPayload: MAX_TEXT_MESSAGE_BYTES });
    const onAbort = (): void => socket.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (err) => reject(new TransportError(`cannot open a WebSocket to ${options.agentUrl}: ${err.message}`, { cause: err })));
    });
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new TransportError(`the agent did not answer session.start within ${SESSION_READY_TIMEOUT_MS / 1000} s`)), SESSION_READY_TIMEOUT_MS);
      socket.once('message', (data: RawData) => {
        const parsed = parseMessage(rawText(data), agentMessageSchema);
        if (parsed.ok && parsed.message.type === 'session.ready') resolve();
        else reject(new TransportError(`the agent did not accept the session: ${parsed.ok ? JSON.stringify(parsed.message) : parsed.error}`));
      });
      socket.once('close', (code, reason) => reject(new TransportError(`the agent closed the connection before session.ready (${code} ${reason.toString()})`)));
    });
    sendJson(socket, { type: 'session.start', protocol: STREAM_PROTOCOL, call: options.callId, audio: STREAM_AUDIO });
    try {
      await ready;
    } catch (err) {
      socket.terminate();
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    return new WsCaller(options, socket);
  }

  /** Unmeasured: round trips on the open connection so the first measured turn pays no JIT warm-up. */
  async warmUp(signal: AbortSignal): Promise<void> {
    for (let id = 0; id < 20; id++) {
      signal.throwIfAborted();
      this.throwIfClosed();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TransportError('the agent did not answer a ping within 5 s')), 5_000);
        this.#pongs.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        this.send({ type: 'ping', id });
      });
    }
  }

  async runTurn(utterance: Utterance, turnIndex: number, signal: AbortSignal): Promise<TurnResult> {
    const { clock } = this.options;
    const timeline = new Timeline(clock);
    const turn: TurnInProgress = { index: turnIndex, timeline, playout: new Playout(timeline, this.options.jitterBufferMs ?? 0), responseStartedAtMs: undefined, eouBeforeSpeechEnd: false, done: undefined, error: undefined };
    this.#turn = turn;
    try {
      const startFrame = firstSpeechFrame(utterance.speechStartMs);
      const endFrame = lastSpeechFrame(utterance.speechEndMs);
      this.send({ type: 'turn.start', turn: turnIndex, ...(this.options.sendHints ? { transcript: utterance.transcript ?? '', speechEndFrame: endFrame } : {}) });
      let trailingMs = 0;
      for await (const frame of replayFrames(utterance.samples, clock, signal)) {
        this.throwIfEnded(turn);
        if (turn.done) break;
        if (frame.index === startFrame) timeline.mark('caller.speech_start', frame.sentAtMs);
        if (frame.index === endFrame) timeline.mark('caller.speech_end', frame.sentAtMs);
        this.socket.send(encodeFrame(frame.samples));
        if (frame.afterRecording) trailingMs += STREAM_AUDIO.frameMs;
        if (turn.responseStartedAtMs === undefined && trailingMs > MAX_WAIT_FOR_RESPONSE_MS) {
          throw new TurnError('endpointing', `${utterance.path}: the agent did not answer within ${MAX_WAIT_FOR_RESPONSE_MS} ms of silence after the recording (did its VAD hear the speech?)`);
        }
        if (turn.responseStartedAtMs !== undefined && clock.nowMs() - turn.responseStartedAtMs > MAX_RESPONSE_MS) {
          throw new TurnError('agent', `the agent's response did not finish within ${MAX_RESPONSE_MS / 1000} s`);
        }
      }
      // the microphone goes quiet; the rest of the reply plays out
      await clock.sleepUntil(turn.playout.drainedAtMs ?? clock.nowMs(), signal);
      this.throwIfEnded(turn);
      if (turn.eouBeforeSpeechEnd) {
        throw new TurnError('endpointing', `${utterance.path}: the agent declared end of utterance before the speech ended at ${utterance.speechEndMs} ms: a pause inside the utterance is longer than the silence timeout (raise --silence-timeout)`);
      }
      if (!timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered with silence: no audible audio in its response');
      return { timeline, reply: turn.done?.reply ?? '' };
    } finally {
      this.#turn = undefined;
    }
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) {
      this.send({ type: 'session.end' });
      this.socket.close(1000);
    } else {
      this.socket.terminate();
    }
  }

  private throwIfEnded(turn: TurnInProgress): void {
    if (turn.error) throw turn.error;
    if (this.#closed) throw new TurnError('transport', this.#closed.message, { cause: this.#closed });
  }

  private throwIfClosed(): void {
    if (this.#closed) throw this.#closed;
  }

  private send(message: CallerMessage): void {
    sendJson(this.socket, message);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const arrivalMs = this.options.clock.nowMs();
    const turn = this.#turn;
    if (isBinary) {
      if (!turn) return; // audio of a turn already given up on
      const decoded = decodeFrame(toBuffer(data));
      if (!decoded.ok) {
        turn.error ??= new TurnError('agent', `protocol error from the agent: ${decoded.error}`);
        return;
      }
      try {
        turn.playout.push(decoded.frame, arrivalMs);
      } catch (err) {
        turn.error ??= err instanceof TurnError ? err : new TurnError('agent', String(err));
      }
      return;
    }
    const parsed = parseMessage(rawText(data), agentMessageSchema);
    if (!parsed.ok) {
      if (turn) turn.error ??= new TurnError('agent', `protocol error from the agent: ${parsed.error}`);
      return;
    }
    this.onEvent(parsed.message, turn);
  }

  private onEvent(message: AgentMessage, turn: TurnInProgress | undefined): void {
    switch (message.type) {
      case 'pong': {
        const resolve = this.#pongs.get(message.id);
        this.#pongs.delete(message.id);
        resolve?.();
        return;
      }
      case 'error':
        if (turn) turn.error ??= new TurnError('agent', `the agent reported ${message.code}: ${message.message}`);
        return;
      case 'vad':
        if (turn && message.state === 'eou' && !turn.timeline.has('caller.speech_end')) turn.eouBeforeSpeechEnd = true;
        return;
      case 'response.start':
        if (turn) turn.responseStartedAtMs ??= this.options.clock.nowMs();
        return;
      case 'response.done':
        if (!turn) return;
        if (message.turn !== turn.index) {
          turn.error ??= new TurnError('agent', `the agent finished turn ${message.turn} while turn ${turn.index} was in progress`);
          return;
        }
        turn.timeline.merge(agentMarksOnly(message.marks));
        turn.done = { reply: message.reply };
        return;
      case 'session.ready':
      case 'transcript.partial':
      case 'transcript.final':
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled agent message ${JSON.stringify(unknown)}`);
      }
    }
  }
}

function sendJson(socket: WebSocket, message: CallerMessage): void {
  socket.send(JSON.stringify(message));
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function rawText(data: RawData): string {
  return toBuffer(data).toString('utf8');
}
