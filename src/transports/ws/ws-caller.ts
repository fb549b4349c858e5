import { WebSocket, type RawData } from 'ws';
import { StreamingCaller, type CallerLink } from '../../caller/streaming-caller.js';
import { TransportError } from '../../errors.js';
import type { Clock } from '../../metrics/clock.js';
import type { PlannedTurn, TurnResult } from '../../caller/turn-plan.js';
import {
  agentMessageSchema,
  decodeFrame,
  encodeFrame,
  MAX_TEXT_MESSAGE_BYTES,
  parseMessage,
  STREAM_AUDIO,
  STREAM_PROTOCOL,
  type CallerMessage,
} from '../stream-protocol.js';
import { toBuffer } from './raw-data.js';

/** The agent must answer session.start within this. */
const SESSION_READY_TIMEOUT_MS = 10_000;

export interface WsCallerOptions {
  agentUrl: string;
  clock: Clock;
  callId: string;
  /** Send the corpus transcript and speech-end frame as hints (the sim STT and the uplink span read them). */
  sendHints: boolean;
  /** Playback starts this long after the first bot frame arrives. */
  jitterBufferMs?: number;
  /** The agent is a target on another clock (StreamingCallerOptions.remote). */
  remote?: boolean;
}

/**
 * The streaming caller over one WebSocket: binary messages carry the frames, text messages the
 * JSON events (docs/protocol-ws.md). The turn logic is the StreamingCaller's.
 */
export class WsCaller {
  private constructor(
    private readonly socket: WebSocket,
    private readonly caller: StreamingCaller,
  ) {}

  /** Connects and opens the session; the agent must answer session.start with session.ready. */
  static async connect(options: WsCallerOptions, signal: AbortSignal): Promise<WsCaller> {
    const socket = new WebSocket(options.agentUrl, { maxPayload: MAX_TEXT_MESSAGE_BYTES });
    const onAbort = (): void => socket.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', (err) => reject(new TransportError(`cannot open a WebSocket to ${options.agentUrl}: ${err.message}`, { cause: err })));
      });
    } catch (err) {
      socket.terminate();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return WsCaller.over(socket, options, signal);
  }

  /** Opens the session on a socket already open to the agent (session.start → session.ready). */
  static async over(socket: WebSocket, options: Omit<WsCallerOptions, 'agentUrl'>, signal: AbortSignal): Promise<WsCaller> {
    const onAbort = (): void => socket.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const ready = new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new TransportError(`the agent did not answer session.start within ${SESSION_READY_TIMEOUT_MS / 1000} s`)), SESSION_READY_TIMEOUT_MS);
        socket.once('message', (data: RawData) => {
          const parsed = parseMessage(toBuffer(data).toString('utf8'), agentMessageSchema);
          if (parsed.ok && parsed.message.type === 'session.ready') resolve();
          else reject(new TransportError(`the agent did not accept the session: ${parsed.ok ? JSON.stringify(parsed.message) : parsed.error}`));
        });
        socket.once('close', (code, reason) => reject(new TransportError(`the agent closed the connection before session.ready (${code} ${reason.toString()})`)));
      });
      sendJson(socket, { type: 'session.start', protocol: STREAM_PROTOCOL, call: options.callId, audio: STREAM_AUDIO });
      await ready;
    } catch (err) {
      socket.terminate();
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    const caller = new StreamingCaller(
      { clock: options.clock, sendHints: options.sendHints, jitterBufferMs: options.jitterBufferMs ?? 0, holdsPlayback: true, ...(options.remote ? { remote: true } : {}) },
      wsLink(socket, options.clock),
    );
    return new WsCaller(socket, caller);
  }

  warmUp(signal: AbortSignal): Promise<void> {
    return this.caller.warmUp(signal);
  }

  runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    return this.caller.runTurn(plan, turnIndex, signal);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) {
      sendJson(this.socket, { type: 'session.end' });
      this.socket.close(1000);
    } else {
      this.socket.terminate();
    }
  }
}

function wsLink(socket: WebSocket, clock: Clock): CallerLink {
  return {
    sendFrame: (frame) => socket.send(encodeFrame(frame)),
    sendMessage: (message) => sendJson(socket, message),
    listen: (handlers) => {
      socket.on('message', (data: RawData, isBinary: boolean) => {
        const arrivalMs = clock.nowMs();
        if (isBinary) {
          const decoded = decodeFrame(toBuffer(data));
          if (decoded.ok) handlers.frame(decoded.frame, arrivalMs);
          else handlers.protocolError(decoded.error);
          return;
        }
        const parsed = parseMessage(toBuffer(data).toString('utf8'), agentMessageSchema);
        if (parsed.ok) handlers.message(parsed.message);
        else handlers.protocolError(parsed.error);
      });
      socket.on('close', (code, reason) => handlers.closed(new TransportError(`the agent closed the connection (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`)));
      socket.on('error', () => undefined); // 'close' follows and says what happened
    },
  };
}

function sendJson(socket: WebSocket, message: CallerMessage): void {
  socket.send(JSON.stringify(message));
}
