import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * A `fetch` for the OpenAI SDK over node:http with keep-alive agents. Node's built-in fetch
 * (undici) spends 2–6 ms of client CPU per request before the request leaves (measured with
 * scratch timing against `voicebench serve` on the 2-core dev machine), and that time would land
 * in every stage span; node:http spends well under 1 ms. Only what the SDK uses is supported:
 * method, headers, a string / bytes / FormData body, and an AbortSignal.
 */
/** Set on responses by this fetch (never sent): `new` when the request opened its connection, else `reused`. */
export const HEADER_CONNECTION = 'x-voicebench-connection';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

async function bodyBytes(init: RequestInit, headers: Headers): Promise<Buffer | undefined> {
  const { body } = init;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // FormData, Blob, streams: let the web platform encode it (multipart boundary included)
  const encoded = new Request('http://voicebench.invalid/', { method: 'POST', body: body as NonNullable<RequestInit['body']>, ...({ duplex: 'half' } as object) });
  const contentType = encoded.headers.get('content-type');
  if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
  return Buffer.from(await encoded.arrayBuffer());
}

/** What a provider wants to hear about its request: when it left, and when each piece of the answer arrived. */
export interface RequestHooks {
  sent(): void;
  bodyChunk(): void;
}

/** Hooks by request tag: a provider tags its request to learn when its bytes moved. */
const hooksByTag = new Map<string, RequestHooks>();
let nextTag = 0;

/** Request options that make `nodeFetch` call `hooks` for this request. */
export function trackRequest(hooks: RequestHooks): { headers: Record<string, string>; release(): void } {
  const tag = String(nextTag++);
  hooksByTag.set(tag, hooks);
  return { headers: { [HEADER_TAG]: tag }, release: () => hooksByTag.delete(tag) };
}

/** Carries a request's tag from the SDK to this fetch; removed before the request is sent. */
const HEADER_TAG = 'x-voicebench-request-tag';

export async function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const headers = new Headers(init.headers);
  const tag = headers.get(HEADER_TAG);
  headers.delete(HEADER_TAG);
  const body = await bodyBytes(init, headers);
  if (body) headers.set('content-length', String(body.length));
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const request = send(url, { method: init.method ?? 'GET', headers: Object.fromEntries(headers), agent: secure ? agents.https : agents.http, ...(init.signal ? { signal: init.signal } : {}) }, (response) => {
      const status = response.statusCode ?? 0;
      const headers = toHeaders(response.headers);
      // client-side only: whether this request opened a new connection (cold) or reused one
      headers.set(HEADER_CONNECTION, request.reusedSocket ? 'reused' : 'new');
      const hooks = tag === null ? undefined : hooksByTag.get(tag);
      if (hooks) response.on('data', () => hooks.bodyChunk());
      const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
      resolve(new Response(nullBody ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), { status, statusText: response.statusMessage ?? '', headers }));
    });
    request.on('error', reject);
    // no Nagle: a small request must not wait for the previous segment's ACK
    request.on('socket', (socket) => socket.setNoDelay(true));
    // handed to the socket now (a reused connection writes at once; a new one first connects, and that counts)
    if (tag !== null) hooksByTag.get(tag)?.sent();
    request.end(body);
  });
}
