import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ResamplerPool } from '../audio/stream-resampler.js';
import { decodeWav } from '../audio/wav.js';
import { describeZodIssues } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import type { ChatMessage, Pipeline } from '../providers/types.js';
import { HttpError, readBody } from '../transports/http.js';

/**
 * voicebench's sim providers as an OpenAI-compatible HTTP API (`voicebench serve`), so the
 * OpenAI-compatible providers, or any other client, can be measured against known latencies:
 * `/v1/audio/transcriptions` (batch), `/v1/chat/completions` (SSE streaming or whole) and
 * `/v1/audio/speech` (a streamed `pcm` body: 24 kHz mono s16le, as OpenAI sends it). Each answers
 * on the profile's schedule; errors are OpenAI-style JSON with the matching status.
 */
export const API_PREFIX = '/v1';
/** OpenAI's own upload limit for transcriptions. */
const MAX_AUDIO_UPLOAD_BYTES = 25 * 1024 * 1024;
const MAX_JSON_BYTES = 1024 * 1024;
/** OpenAI's `pcm` speech format. */
export const SPEECH_PCM_RATE_HZ = 24_000;
/** Sim-only hint: the corpus transcript (URI-encoded), which the sim STT answers with. Real servers ignore it. */
export const HEADER_TRANSCRIPT_HINT = 'x-voicebench-transcript';

const chatSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']), content: z.string().nullable().optional() }).passthrough()).min(1),
  stream: z.boolean().optional(),
});

const speechSchema = z.object({
  model: z.string().min(1),
  input: z.string().min(1).max(4096),
  voice: z.string().min(1),
  response_format: z.string().optional(),
});

function openAiError(response: ServerResponse, status: number, message: string, param?: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, param: param ?? null, code: null } }));
}

async function readJson<T>(request: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.startsWith('application/json')) throw new HttpError(415, `expected content-type application/json, got "${contentType}"`);
  const body = await readBody(request, MAX_JSON_BYTES, 'request body');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HttpError(400, describeZodIssues(parsed.error, '', '(body)'));
  return parsed.data;
}

export interface OpenAiApiOptions {
  pipeline: Pipeline;
  clock: Clock;
  host?: string;
  port?: number;
}

export interface RunningOpenAiApi {
  /** The base URL a client is given: `http://host:port/v1`. */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startOpenAiApi(options: OpenAiApiOptions): Promise<RunningOpenAiApi> {
  const { pipeline } = options;
  const requests = { stt: 0, llm: 0, tts: 0 };
  const resamplers = new ResamplerPool(16_000, SPEECH_PCM_RATE_HZ, 480);
  await resamplers.warm();
  const inFlight = new Set<AbortController>();

  async function transcriptions(request: IncomingMessage, response: ServerResponse, signal: AbortSignal, receivedAtMs: number): Promise<void> {
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) throw new HttpError(415, `expected multipart/form-data with a "file" field, got "${contentType}"`);
    const body = await readBody(request, MAX_AUDIO_UPLOAD_BYTES, 'audio upload');
    let form: FormData;
    try {
      form = await new Request('http://voicebench.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    } catch (err) {
      throw new HttpError(400, `the multipart body cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    const file = form.get('file');
    if (!(file instanceof Blob)) throw new HttpError(400, 'missing the "file" field (the audio to transcribe)');
    if (typeof form.get('model') !== 'string') throw new HttpError(400, 'missing the "model" field');
    const audio = await decodeWav(new Uint8Array(await file.arrayBuffer()), 'file').catch((err: unknown) => {
      throw new HttpError(400, `${err instanceof Error ? err.message : String(err)} (voicebench serve reads WAV)`);
    });
    const hint = request.headers[HEADER_TRANSCRIPT_HINT];
    const transcript = await pipeline.stt.transcribe(audio.samples, { turnIndex: requests.stt++, receivedAtMs, ...(typeof hint === 'string' ? { transcript: decodeURIComponent(hint) } : {}) }, signal);
    if (form.get('response_format') === 'text') response.writeHead(200, { 'content-type': 'text/plain' }).end(transcript);
    else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: transcript }));
  }

  async function chatCompletions(request: IncomingMessage, response: ServerResponse, signal: AbortSignal, receivedAtMs: number): Promise<void> {
    const body = await readJson(request, chatSchema);
    const messages: ChatMessage[] = body.messages.map((message) => ({ role: message.role === 'developer' ? 'system' : message.role === 'tool' ? 'user' : message.role, content: message.content ?? '' }));
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(new Date().valueOf() / 1000); // a label (Unix seconds), as OpenAI sends it
    const tokens = pipeline.llm.stream(messages, { turnIndex: requests.llm++, receivedAtMs }, signal);
    if (!body.stream) {
      let content = '';
      for await (const token of tokens) content += token;
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id, object: 'chat.completion', created, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }),
      );
      return;
    }
    const chunk = (delta: object, finishReason: string | null): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    // as OpenAI does, the status and headers go out at once; tokens follow as they come
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    let first = true;
    for await (const token of tokens) {
      response.write(chunk(first ? { role: 'assistant', content: token } : { content: token }, null));
      first = false;
    }
    response.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
  }

  async function speech(request: IncomingMessage, response: ServerResponse, signal: AbortSignal, receivedAtMs: number): Promise<void> {
    const body = await readJson(request, speechSchema);
    const format = body.response_format ?? 'mp3';
    if (format !== 'pcm') throw new HttpError(400, `response_format "${format}" is not served: voicebench serve streams "pcm" (24 kHz mono s16le)`);
    const resampler = await resamplers.take();
    try {
      response.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
      response.flushHeaders();
      for await (const chunk of pipeline.tts.synthesize(body.input, { turnIndex: requests.tts++, receivedAtMs }, signal)) {
        const frames = resampler.push(chunk);
        const bytes = Buffer.concat(frames.map((frame) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
        if (bytes.length > 0) response.write(bytes);
      }
      response.end();
    } finally {
      resamplers.give(resampler);
    }
  }

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse, signal: AbortSignal, receivedAtMs: number) => Promise<void>> = {
    [`${API_PREFIX}/audio/transcriptions`]: transcriptions,
    [`${API_PREFIX}/chat/completions`]: chatCompletions,
    [`${API_PREFIX}/audio/speech`]: speech,
  };

  const server: Server = createServer({ noDelay: true }, (request, response) => {
    // the profile's latency counts from here: the request has arrived
    const receivedAtMs = options.clock.nowMs();
    const path = (request.url ?? '').split('?')[0] ?? '';
    const route = routes[path];
    if (!route || request.method !== 'POST') {
      request.resume();
      openAiError(response, route ? 405 : 404, route ? `${request.method} ${path}: use POST` : `no route ${request.method} ${path}; this server has POST ${Object.keys(routes).join(', ')}`);
      return;
    }
    const abort = new AbortController();
    inFlight.add(abort);
    response.on('close', () => abort.abort(new Error('client went away')));
    route(request, response, abort.signal, receivedAtMs)
      .catch((err: unknown) => {
        if (err instanceof HttpError) openAiError(response, err.status, err.message);
        else if (abort.signal.aborted) response.destroy();
        else openAiError(response, 500, err instanceof Error ? err.message : String(err));
      })
      .finally(() => inFlight.delete(abort));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    baseUrl: `http://${host}:${port}${API_PREFIX}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const abort of inFlight) abort.abort(new Error('server stopping'));
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
