import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { AgentErrorCode, CallOutput } from '../../agent/events.js';
import { Stages } from '../../agent/stages.js';
import { CallProtocolError, newStreamingCall, type StreamingAgentOptions, type StreamingCall } from '../../agent/streaming-call.js';
import { TransportError } from '../../errors.js';
import { turnEntryOf, type AgentTurnLog } from '../../serve/agent-turn-log.js';
import {
  audioFormatProblem,
  callerMessageSchema,
  decodeFrame,
  encodeFrame,
  MAX_TEXT_MESSAGE_BYTES,
  parseMessage,
  STREAM_AUDIO,
  STREAM_PROTOCOL,
  type AgentWireMessage,
} from '../stream-protocol.js';
import { toBuffer } from './raw-data.js';

/** The WebSocket endpoint; one connection is one call. */
export const WS_PATH = '/v1/stream';

/**
 * Bot audio queued in the socket past this (8 s of audio; the agent itself stays at most ~1 s
 * ahead) means the caller stopped reading: the call is ended rather than let memory grow.
 */
export const MAX_QUEUED_AUDIO_BYTES = 8 * 32_000;

/** WebSocket close codes (RFC 6455 §7.4.1). */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;

export interface WsAgentOptions extends StreamingAgentOptions {
  /** Called for each `response.done` / `response.interrupted` of every call (`voicebench serve --log-turns`). */
  onTurn?: AgentTurnLog;
}

export interface RunningWsAgent {
  /** ws://host:port/v1/stream */
  url: string;
  /** Calls whose connection is open or whose work has not yet stopped. */
  activeCalls(): number;
  close(): Promise<void>;
}

/** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5); the full text went in the error message. */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** Why a call is being ended by the agent: sent as an `error` message, then the close code. */
class CallFault extends Error {
  constructor(
    readonly code: AgentErrorCode,
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The streaming agent over WebSocket: binary messages carry 20 ms PCM16 frames both ways, text
 * messages carry JSON control and events (src/transports/stream-protocol.ts,
 * docs/protocol-ws.md). A caller that breaks the protocol gets an `error` message and a close
 * code; the other calls go on.
 */
export async function startWsAgent(options: WsAgentOptions): Promise<RunningWsAgent> {
  const stages = new Stages(options.pipeline);
  const calls = new Set<Promise<void>>();

  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route for ${request.method} ${request.url}; open a WebSocket at ${WS_PATH}` } }));
  });
  const wss = new WebSocketServer({ server, path: WS_PATH, maxPayload: MAX_TEXT_MESSAGE_BYTES });

  wss.on('connection', (socket) => {
    let finished: () => void = () => undefined;
    const callDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    calls.add(callDone);
    void callDone.then(() => calls.delete(callDone));

    const send = (message: AgentWireMessage): void => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };
    let callId = '';
    const output: CallOutput = {
      event: (event) => {
        const entry = turnEntryOf('voicebench', callId, event);
        if (entry) options.onTurn?.(entry);
        send(event);
      },
      audio: (frame) => {
        if (socket.readyState !== WebSocket.OPEN) throw new TransportError('the caller closed the connection');
        if (socket.bufferedAmount > MAX_QUEUED_AUDIO_BYTES) {
          fail(new CallFault('overloaded', CLOSE_POLICY, `the caller is not reading: ${socket.bufferedAmount} bytes of audio are queued`));
          throw new TransportError('the caller is not reading its audio');
        }
        socket.send(encodeFrame(frame));
      },
    };
    let call: StreamingCall | undefined;

    function fail(fault: CallFault): void {
      send({ type: 'error', code: fault.code, message: fault.message });
      socket.close(fault.closeCode, closeReason(fault.message));
    }

    function onText(text: string): void {
      const parsed = parseMessage(text, callerMessageSchema);
      if (!parsed.ok) throw new CallFault('bad_message', CLOSE_POLICY, `malformed message: ${parsed.error}`);
      const message = parsed.message;
      switch (message.type) {
        case 'session.start': {
          if (call) throw new CallFault('bad_message', CLOSE_POLICY, 'session.start sent twice');
          const problem = audioFormatProblem(message.audio);
          if (problem) throw new CallFault('bad_audio', CLOSE_UNSUPPORTED_DATA, problem);
          callId = message.call ?? randomUUID();
          call = newStreamingCall(options, stages, output);
          call.onFailure((err) => fail(new CallFault('internal', CLOSE_INTERNAL, `audio processing failed: ${err instanceof Error ? err.message : String(err)}`)));
          send({ type: 'session.ready', protocol: STREAM_PROTOCOL, audio: STREAM_AUDIO });
          return;
        }
        case 'turn.start':
          requireCall().startTurn(message);
          return;
        case 'ping':
          send({ type: 'pong', id: message.id });
          return;
        case 'session.end':
          socket.close(CLOSE_NORMAL, 'session ended');
          return;
        default: {
          const unknown: never = message;
          throw new Error(`unhandled message ${JSON.stringify(unknown)}`);
        }
      }
    }

    function requireCall(): StreamingCall {
      if (!call) throw new CallFault('bad_message', CLOSE_POLICY, 'send session.start before anything else');
      return call;
    }

    function onAudio(data: Buffer): void {
      const current = requireCall();
      const decoded = decodeFrame(data);
      if (!decoded.ok) throw new CallFault('bad_audio', CLOSE_UNSUPPORTED_DATA, decoded.error);
      try {
        current.pushFrame(decoded.frame);
      } catch (err) {
        if (err instanceof CallProtocolError) throw new CallFault(err.code, CLOSE_POLICY, err.message);
        throw err;
      }
    }

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      const bytes = toBuffer(data);
      try {
        if (isBinary) onAudio(bytes);
        else onText(bytes.toString('utf8'));
      } catch (err) {
        fail(err instanceof CallFault ? err : new CallFault('internal', CLOSE_INTERNAL, err instanceof Error ? err.message : String(err)));
      }
    });
    // A protocol violation the ws library detects itself (oversized or invalid frame) closes the
    // socket after this; nothing else to do but not crash.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const ending = call?.close(new Error('the caller closed the connection')) ?? Promise.resolve();
      void ending.finally(finished);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `ws://${address}:${port}${WS_PATH}`,
    activeCalls: () => calls.size,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await Promise.all([...calls]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
