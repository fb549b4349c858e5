import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { TransportError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { toBuffer } from '../transports/ws/raw-data.js';

/** Handshake (TCP, TLS, HTTP upgrade) must finish within this. */
export const DIAL_TIMEOUT_MS = 10_000;
/** Longest JSON message a target client accepts (a Realtime audio delta can hold seconds of audio). */
export const MAX_TARGET_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Why a target could not be reached, said so that the fix is plain. `status`: the HTTP status of a refused upgrade. */
export class DialError extends TransportError {
  constructor(
    message: string,
    readonly status: number | undefined,
    details: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, details);
  }
}

/** A message from the agent: its payload and whether it came as a binary frame. */
export type Inbound = (data: RawData, isBinary: boolean) => void;

/**
 * Holds what the agent sends until someone reads it: an agent may speak first (a Realtime
 * server sends session.created the moment the socket opens), before a client has finished
 * setting up. One handler at a time; without one, messages wait in order.
 */
export class Inbox {
  readonly #waiting: Array<[RawData, boolean]> = [];
  #handler: Inbound | undefined;

  readonly #listener: Inbound;

  constructor(private readonly socket: WebSocket) {
    this.#listener = (data, isBinary) => {
      if (this.#handler) this.#handler(data, isBinary);
      else this.#waiting.push([data, isBinary]);
    };
    socket.on('message', this.#listener);
  }

  /** For a client that reads the socket itself from here on; what waits is given back. */
  release(): Array<[RawData, boolean]> {
    this.socket.off('message', this.#listener);
    return this.#waiting.splice(0);
  }

  /** Hands every waiting message, then each new one, to `handler` (none: they wait again). */
  read(handler: Inbound | undefined): void {
    this.#handler = handler;
    while (this.#handler === handler && handler && this.#waiting.length > 0) {
      const [data, isBinary] = this.#waiting.shift() as [RawData, boolean];
      handler(data, isBinary);
    }
  }
}

/** An open WebSocket to a target, with what it has sent so far kept for its client. */
/**
 * A message of a JSON-over-WebSocket protocol (twilio, openai-realtime), parsed; or what is wrong
 * with it, as the turn's protocol error. `textOnly` says what the protocol carries instead of binary.
 */
export function jsonTextFrame(data: RawData, isBinary: boolean, textOnly: string): { json: unknown } | { problem: string } {
  const bytes = toBuffer(data);
  if (isBinary) return { problem: `a binary WebSocket frame of ${bytes.length} bytes: ${textOnly}` };
  const text = bytes.toString('utf8');
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { problem: `not JSON: ${text.slice(0, 80)}` };
  }
}

export interface Dialled {
  socket: WebSocket;
  inbox: Inbox;
}

/** The URL as reports show it: no credentials, no query (tokens often ride there). */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
  } catch {
    return url;
  }
}

/** OpenSSL's reason (`wrong version number`) on one line: its message is `write EPROTO <id>:error:<code>:<library>:<function>:<reason>:<file>:<line>:` and a newline. */
function tlsReason(err: NodeJS.ErrnoException): string {
  const reason = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(err.message)?.[1] ?? err.message.trim().split('\n')[0] ?? err.message;
  return err.code === undefined ? reason : `${reason} (${err.code})`;
}

function networkFailure(url: string, err: NodeJS.ErrnoException): DialError {
  const where = shownUrl(url);
  switch (err.code) {
    case 'ECONNREFUSED':
      return new DialError(`${where}: connection refused: nothing is listening there`, undefined, { hint: 'start the agent, or check the host and port of the target URL', cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DialError(`${where}: cannot resolve the host ${new URL(url).hostname} (${err.code})`, undefined, { hint: 'check the host name in the target URL', cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new DialError(`${where}: the connection was reset during the handshake (${err.code})`, undefined, { hint: 'is it a WebSocket endpoint? a ws:// URL to a TLS port, or wss:// to a plain one, ends like this', cause: err });
    default:
      if (/certificate|SSL|TLS|self.signed|CERT_/i.test(`${err.code ?? ''} ${err.message}`)) {
        const reason = tlsReason(err);
        // "wrong version number": what came back was not TLS at all, the usual wss:// to a plain port
        const hint = /wrong version number/i.test(reason)
          ? 'the server did not answer in TLS: use ws:// if it serves plain WebSocket, or check the port'
          : 'check the certificate of the agent (NODE_EXTRA_CA_CERTS adds a CA), or use ws:// for a server without TLS';
        return new DialError(`${where}: the TLS handshake failed: ${reason}`, undefined, { hint, cause: err });
      }
      return new DialError(`${where}: cannot open a WebSocket: ${err.message}`, undefined, { cause: err });
  }
}

/**
 * Opens a WebSocket to a target: the upgrade with `headers`, within DIAL_TIMEOUT_MS. A refused
 * upgrade becomes a DialError naming the status (`credentialHint` says what to check for 401 and
 * 403); the URL in every message is `shownUrl`'s, so no token in it reaches a report.
 */
export async function dialWebSocket(url: string, headers: Readonly<Record<string, string>>, signal: AbortSignal, credentialHint: string): Promise<Dialled> {
  signal.throwIfAborted();
  const socket = new WebSocket(url, { headers: { ...headers }, handshakeTimeout: DIAL_TIMEOUT_MS, maxPayload: MAX_TARGET_MESSAGE_BYTES, perMessageDeflate: false });
  const onAbort = (): void => socket.terminate();
  signal.addEventListener('abort', onAbort, { once: true });
  let inbox: Inbox | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        // listening from the first instant: what the agent says at once is not lost
        inbox = new Inbox(socket);
        resolve();
      });
      socket.once('unexpected-response', (_request, response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        response.resume();
        const text = `${status} ${response.statusMessage ?? STATUS_CODES[status] ?? ''}`.trim();
        const hint =
          status === 401 || status === 403 ? credentialHint
          : status === 404 ? 'check the path of the target URL (Twilio-style agents often listen on /media or /ws, Realtime on /v1/realtime)'
          : status === 400 ? 'check the path of the target URL: many WebSocket servers answer 400 to an upgrade on a path they do not serve'
          : undefined;
        reject(new DialError(`${shownUrl(url)}: the agent refused the WebSocket upgrade with HTTP ${text}`, status, hint === undefined ? {} : { hint }));
        socket.terminate();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(signal.reason);
        else if (/Opening handshake has timed out/.test(err.message)) reject(new DialError(`${shownUrl(url)}: no answer to the WebSocket upgrade within ${DIAL_TIMEOUT_MS / 1000} s`, undefined, { hint: 'is the agent overloaded, or is a firewall dropping the connection?', cause: err }));
        else reject(networkFailure(url, err));
      });
    });
  } catch (err) {
    socket.terminate();
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  socket.on('error', () => undefined); // 'close' follows and says what happened
  return { socket, inbox: inbox ?? new Inbox(socket) };
}

/** Why the agent closed the socket, for a turn's error. */
export function closedError(code: number, reason: Buffer): TransportError {
  return new TransportError(`the agent closed the connection (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
}

/** Closes cleanly, or terminates when the other side does not answer the close within a second. */
export async function closeSocket(socket: WebSocket, clock: Clock): Promise<void> {
  const answered = new AbortController();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.close(1000, 'call ended');
  await Promise.race([
    closed,
    clock.sleep(1_000, answered.signal).then(
      () => socket.terminate(),
      () => undefined,
    ),
  ]);
  answered.abort();
}
