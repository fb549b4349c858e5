import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConversationStore } from '../../agent/conversation.js';
import { respondFull } from '../../agent/full-turn.js';
import { Stages } from '../../agent/stages.js';
import { decodeWav } from '../../audio/wav.js';
import { samplesToMs } from '../../audio/pcm.js';
import { heardText } from '../../agent/truncation.js';
import { encodeWav } from '../../audio/wav-encode.js';
import { VoicebenchError } from '../../errors.js';
import { ProviderError } from '../../providers/provider-error.js';
import type { Clock } from '../../metrics/clock.js';
import { Timeline } from '../../metrics/timeline.js';
import type { Pipeline } from '../../providers/types.js';
import { HttpError, readBody } from '../http.js';
import {
  HEADER_CALL,
  HEADER_CONTEXT_INTERRUPTED,
  HEADER_INTERRUPTED,
  HEADER_MARKS,
  HEADER_REPLY,
  HEADER_TRANSCRIPT,
  HEADER_TURN,
  HEADER_WARMUP,
  MAX_UPLOAD_BYTES,
  TURN_PATH,
  type RestErrorBody,
} from './rest-protocol.js';

export interface RestAgentOptions {
  pipeline: Pipeline;
  clock: Clock;
  host?: string;
  port?: number;
}

export interface RunningAgent {
  url: string;
  close(): Promise<void>;
}


function decodeHeader(value: string, name: string): string {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    throw new HttpError(400, `${name} is not valid percent-encoding (${err instanceof Error ? err.message : String(err)})`);
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(response: ServerResponse, status: number, message: string, stage?: string, errorClass?: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body: RestErrorBody = { error: { message, ...(stage ? { stage } : {}), ...(errorClass ? { class: errorClass } : {}) } };
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Server-Timing durations of the three stages, for tools that read the standard header. */
function serverTiming(timeline: Timeline): string {
  const entries: string[] = [];
  for (const [name, from, to] of [
    ['stt', 'stt.start', 'stt.final'],
    ['llm', 'llm.start', 'llm.done'],
    ['tts', 'tts.start', 'tts.done'],
  ] as const) {
    const fromMs = timeline.get(from);
    const toMs = timeline.get(to);
    if (fromMs !== undefined && toMs !== undefined) entries.push(`${name};dur=${(toMs - fromMs).toFixed(3)}`);
  }
  return entries.join(', ');
}

/**
 * The sequential-REST agent: one HTTP POST per turn carrying the whole utterance; batch STT,
 * the whole completion and the whole synthesis run in turn, and the reply goes back as one WAV.
 */
export async function startRestAgent(options: RestAgentOptions): Promise<RunningAgent> {
  const { clock } = options;
  const stages = new Stages(options.pipeline);
  const conversations = new ConversationStore();
  const inFlight = new Set<AbortController>();

  async function handleTurn(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const timeline = new Timeline(clock);
    const interruptedHeader = headerValue(request, HEADER_INTERRUPTED);
    // the legacy agent learns of a barge-in only now, with the request that interrupted it
    if (interruptedHeader !== undefined) timeline.mark('agent.bargein_detected');
    const abort = new AbortController();
    inFlight.add(abort);
    response.on('close', () => abort.abort(new Error('caller went away')));
    try {
      const body = await readBody(request, MAX_UPLOAD_BYTES, 'upload', () => timeline.mark('agent.speech_end_received'));
      const turnIndex = Number(headerValue(request, HEADER_TURN) ?? '0');
      if (!Number.isInteger(turnIndex) || turnIndex < 0) throw new HttpError(400, `${HEADER_TURN} must be a non-negative integer`);
      const transcriptHint = headerValue(request, HEADER_TRANSCRIPT);
      const audio = await decodeWav(body, 'request body').catch((err: unknown) => {
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      });
      if (headerValue(request, HEADER_WARMUP) !== undefined) {
        response.writeHead(204).end();
        return;
      }
      const conversation = conversations.get(headerValue(request, HEADER_CALL) ?? 'default');
      if (interruptedHeader !== undefined) {
        const heardMs = Number(interruptedHeader);
        if (!/^\d+(\.\d+)?$/.test(interruptedHeader.trim()) || !Number.isFinite(heardMs)) throw new HttpError(400, `${HEADER_INTERRUPTED} must be the milliseconds of the previous answer heard, got "${interruptedHeader}"`);
        conversation.interruptAssistant(heardText(conversation.lastSpoken, heardMs).text);
      }
      const contextInterrupted = conversation.pendingInterruption;
      const hints = transcriptHint === undefined ? { turnIndex } : { turnIndex, transcript: decodeHeader(transcriptHint, HEADER_TRANSCRIPT) };
      const reply = await respondFull(stages, conversation, audio.samples, hints, timeline, abort.signal);
      conversation.lastSpoken = [{ text: reply.reply, audioMs: samplesToMs(reply.audio.length) }];
      const wav = encodeWav(reply.audio);
      timeline.mark('agent.first_audio_out');
      response.writeHead(200, {
        'content-type': 'audio/wav',
        'content-length': wav.length,
        'server-timing': serverTiming(timeline),
        [HEADER_MARKS]: JSON.stringify(timeline.toRecord()),
        [HEADER_REPLY]: encodeURIComponent(reply.reply),
        ...(contextInterrupted === undefined ? {} : { [HEADER_CONTEXT_INTERRUPTED]: encodeURIComponent(contextInterrupted) }),
      });
      response.end(wav);
    } catch (err) {
      if (err instanceof HttpError) sendError(response, err.status, err.message);
      else if (abort.signal.aborted) response.destroy();
      else if (err instanceof ProviderError) sendError(response, 502, err.message, err.stage, err.errorClass);
      else sendError(response, err instanceof VoicebenchError ? 502 : 500, err instanceof Error ? err.message : String(err), 'pipeline');
    } finally {
      inFlight.delete(abort);
    }
  }

  const server: Server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === TURN_PATH) {
      void handleTurn(request, response);
      return;
    }
    request.resume();
    sendError(response, request.url === TURN_PATH ? 405 : 404, `no route for ${request.method} ${request.url}; POST ${TURN_PATH}`);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const abort of inFlight) abort.abort(new Error('agent stopped'));
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
