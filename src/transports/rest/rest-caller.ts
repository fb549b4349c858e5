import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { firstAudibleSample } from '../../audio/audibility.js';
import type { VadModel } from '../../audio/vad.js';
import { decodeWav } from '../../audio/wav.js';
import { encodeWav } from '../../audio/wav-encode.js';
import { SAMPLE_RATE_HZ, samplesToMs } from '../../audio/pcm.js';
import { captureUntilEndOfUtterance } from '../../caller/endpointing.js';
import { TurnError } from '../../caller/turn-error.js';
import type { Clock } from '../../metrics/clock.js';
import { Timeline } from '../../metrics/timeline.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { agentMarksOnly } from '../agent-marks.js';
import { HEADER_CALL, HEADER_MARKS, HEADER_REPLY, HEADER_TRANSCRIPT, HEADER_TURN, HEADER_WARMUP, TURN_PATH } from './rest-protocol.js';

export interface RestCallerOptions {
  agentUrl: string;
  clock: Clock;
  vadModel: VadModel;
  silenceTimeoutMs: number;
  callId: string;
  /** Send the corpus transcript as a hint (only the sim STT reads it). */
  sendTranscriptHint: boolean;
}

export interface TurnResult {
  timeline: Timeline;
  reply: string;
}

interface ArrivedChunk {
  atMs: number;
  endByte: number;
}

interface Download {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  chunks: ArrivedChunk[];
  doneAtMs: number;
}

/**
 * The legacy REST caller: endpoint locally, upload the whole utterance, download the whole
 * reply, then play it. `caller.first_audio` is when the bytes of the first audible sample
 * arrived; `caller.first_audio_played` is when playback, which starts only after the download,
 * reaches that sample.
 */
export class RestCaller {
  readonly #httpAgent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly options: RestCallerOptions) {}

  async runTurn(utterance: Utterance, turnIndex: number, signal: AbortSignal): Promise<TurnResult> {
    const { clock } = this.options;
    const timeline = new Timeline(clock);
    const captured = await captureUntilEndOfUtterance(utterance, this.options.vadModel, this.options.silenceTimeoutMs, timeline, clock, signal);
    const headers: Record<string, string> = {
      'content-type': 'audio/wav',
      [HEADER_CALL]: this.options.callId,
      [HEADER_TURN]: String(turnIndex),
    };
    if (this.options.sendTranscriptHint && utterance.transcript) headers[HEADER_TRANSCRIPT] = encodeURIComponent(utterance.transcript);
    const download = await this.post(encodeWav(captured.samples), headers, signal);
    if (download.status !== 200) {
      throw new TurnError('agent', `agent answered HTTP ${download.status}: ${errorMessage(download.body)}`);
    }
    timeline.merge(parseMarks(download.headers[HEADER_MARKS]));
    const reply = await decodeWav(download.body, 'agent reply').catch((err: unknown) => {
      throw new TurnError('agent', err instanceof Error ? err.message : String(err), { cause: err });
    });
    const audibleIndex = firstAudibleSample(reply.samples);
    if (audibleIndex === undefined) throw new TurnError('agent', 'the agent replied with silence');
    const { sampleRateHz, channels, bitsPerSample } = reply.sourceFormat;
    const audibleByte = reply.dataOffsetBytes + Math.floor((audibleIndex * sampleRateHz) / SAMPLE_RATE_HZ) * channels * (bitsPerSample / 8);
    const arrival = download.chunks.find((chunk) => chunk.endByte > audibleByte) ?? download.chunks.at(-1);
    if (arrival) timeline.mark('caller.first_audio', arrival.atMs);
    // Playback starts once the reply is downloaded and decoded; the leading silence plays first.
    const playedAtMs = timeline.mark('caller.first_audio_played', clock.nowMs() + samplesToMs(audibleIndex));
    await clock.sleepUntil(playedAtMs, signal);
    const replyHeader = download.headers[HEADER_REPLY];
    return { timeline, reply: typeof replyHeader === 'string' ? decodeReply(replyHeader) : '' };
  }

  /**
   * Opens the keep-alive connection and runs the encode/upload/decode path once, unmeasured, so
   * the first measured turn does not pay for TCP setup and JIT compilation. (Provider cold
   * starts are the profile's, and still land in the first turn.)
   */
  async warmUp(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const download = await this.post(encodeWav(new Int16Array(5 * SAMPLE_RATE_HZ)), { 'content-type': 'audio/wav', [HEADER_WARMUP]: '1' }, signal);
      if (download.status !== 204) throw new TurnError('transport', `agent answered the warm-up with HTTP ${download.status}: ${errorMessage(download.body)}`);
    }
  }

  close(): void {
    this.#httpAgent.destroy();
  }

  private post(body: Uint8Array, headers: Record<string, string>, signal: AbortSignal): Promise<Download> {
    const { clock } = this.options;
    return new Promise((resolve, reject) => {
      const url = new URL(TURN_PATH, this.options.agentUrl);
      const req = httpRequest(url, { method: 'POST', agent: this.#httpAgent, headers: { ...headers, 'content-length': String(body.length) }, signal }, (res) => {
        const chunks: ArrivedChunk[] = [];
        const parts: Buffer[] = [];
        let received = 0;
        res.on('data', (part: Buffer) => {
          received += part.length;
          chunks.push({ atMs: clock.nowMs(), endByte: received });
          parts.push(part);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), chunks, doneAtMs: clock.nowMs() }));
        res.on('error', (err) => reject(new TurnError('transport', `reply download failed: ${err.message}`, { cause: err })));
      });
      req.on('error', (err) => reject(signal.aborted ? signal.reason : new TurnError('transport', `cannot reach the agent at ${url.href}: ${err.message}`, { cause: err })));
      req.end(body);
    });
  }
}

function decodeReply(header: string): string {
  try {
    return decodeURIComponent(header);
  } catch (err) {
    throw new TurnError('agent', `the agent's ${HEADER_REPLY} header is not valid percent-encoding`, { cause: err });
  }
}

function parseMarks(header: string | string[] | undefined): Record<string, number> {
  if (typeof header !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(header);
    return parsed && typeof parsed === 'object' ? agentMarksOnly(parsed as Record<string, unknown>) : {};
  } catch (err) {
    throw new TurnError('agent', `the agent's ${HEADER_MARKS} header is not JSON`, { cause: err });
  }
}

function errorMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: string } };
    return parsed.error?.message ?? body.toString('utf8').slice(0, 200);
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}
