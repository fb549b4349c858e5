import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY = 1008;
export const CLOSE_INTERNAL = 1011;

/** A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

export interface AgentSocketServerOptions {
  /** The one path that accepts a WebSocket; anything else over HTTP is a 404 naming it. */
  path: string;
  host?: string;
  port?: number;
  /** Longest message accepted; the ws library closes a connection that sends more (1009). */
  maxPayloadBytes: number;
  /** One connection is one call: resolves once the call's work has stopped (never rejects: a fault closes the socket). */
  onCall(socket: WebSocket, request: IncomingMessage): Promise<void>;
}

export interface RunningAgentSocketServer {
  /** ws://host:port/path */
  url: string;
  /** Calls whose connection is open or whose work has not yet stopped. */
  activeCalls(): number;
  /** Terminates every client and resolves once their calls have stopped and the port is free. */
  close(): Promise<void>;
}

/**
 * What the agent-side stand-ins of `voicebench serve` share with the ws agent's server: an HTTP
 * server with one WebSocket path, one call per connection, and a close that waits for the calls.
 */
export async function startAgentSocketServer(options: AgentSocketServerOptions): Promise<RunningAgentSocketServer> {
  const calls = new Set<Promise<void>>();
  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route for ${request.method} ${request.url}; open a WebSocket at ${options.path}` } }));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://agent').pathname;
    if (path !== options.path) {
      // 404, not the ws library's bare 400: the caller's hint for a wrong path keys on it
      socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nno WebSocket at ${path}; open one at ${options.path}\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  wss.on('connection', (socket, request) => {
    // A protocol violation the ws library detects itself (oversized or invalid frame) closes the
    // socket after this; nothing else to do but not crash.
    socket.on('error', () => undefined);
    // onCall turns every fault of the call into a close; a rejection here is a bug, left to crash loudly
    const call = options.onCall(socket, request);
    calls.add(call);
    void call.then(() => calls.delete(call));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `ws://${address}:${port}${options.path}`,
    activeCalls: () => calls.size,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await Promise.all([...calls]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
