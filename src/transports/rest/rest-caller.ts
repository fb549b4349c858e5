import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { firstAudibleSample } from '../../audio/audibility.js';
import type { VadModel } from '../../audio/vad.js';
import { decodeWav } from '../../audio/wav.js';
import { encodeWav } from '../../audio/wav-encode.js';
import { SAMPLE_RATE_HZ, samplesToMs } from '../../audio/pcm.js';
import { captureUntilEndOfUtterance } from '../../caller/endpointing.js';
import { agentStage, TurnError } from '../../caller/turn-error.js';
import type { Clock } from '../../metrics/clock.js';
import { Timeline } from '../../metrics/timeline.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS } from '../../audio/vad.js';
import { heardText } from '../../agent/truncation.js';
import { judgeBargeIn, wordEndMs, type BargeInPlan, type PlannedTurn, type TurnResult } from '../../caller/turn-plan.js';
import { agentMarksOnly } from '../agent-marks.js';
import { HEADER_CALL, HEADER_CONTEXT_INTERRUPTED, HEADER_INTERRUPTED, HEADER_MARKS, HEADER_REPLY, HEADER_TRANSCRIPT, HEADER_TURN, HEADER_WARMUP, TURN_PATH } from './rest-protocol.js';

export interface RestCallerOptions {
  agentUrl: string;
  clock: Clock;
  vadModel: VadModel;
  silenceTimeoutMs: number;
  callId: string;
  /** Send the corpus transcript as a hint (only the sim STT reads it). */
  sendTranscriptHint: boolean;
  /** Caller speech over the bot must last this long to stop the playback for good. */
  bargeInMinSpeechMs?: number;
}

/** One request and its answer, as downloaded. */
interface Answered {
  timeline: Timeline;
  reply: string;
  /** When the reply's first sample plays (playback starts once it is downloaded and decoded). */
  playbackStartMs: number;
  audibleOffsetMs: number;
  durationMs: number;
  contextInterrupted: string | undefined;
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
 * reply, then play it. `caller.first_byte` is when the first bytes of its audio arrived;
 * `caller.first_audio` is when the bytes of the first audible sample
 * arrived; `caller.first_audio_played` is when playback, which starts only after the download,
 * reaches that sample.
 */
export class RestCaller {
  readonly #httpAgent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly options: RestCallerOptions) {}

  async runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    const { clock } = this.options;
    const timeline = new Timeline(clock);
    const captured = await captureUntilEndOfUtterance(plan.utterance, this.options.vadModel, this.options.silenceTimeoutMs, timeline, clock, signal);
    if (!captured) throw new Error('unreachable: an ordinary capture always returns');
    const answered = await this.ask(plan.utterance, captured.samples, turnIndex, timeline, {}, signal);
    await clock.sleepUntil(answered.playbackStartMs + answered.audibleOffsetMs, signal);
    if (!plan.bargeIn) return [{ utterance: plan.utterance, timeline, reply: answered.reply }];
    return this.bargeIn(plan, plan.bargeIn, answered, turnIndex, signal);
  }

  /**
   * The legacy client's barge-in: the caller speaks over the reply it is playing; its own VAD
   * pauses the playback at speech onset and stops it for good once the speech lasts
   * `bargeInMinSpeechMs` (shorter speech resumes it). The agent can do nothing until the
   * interruption arrives as the next request, which tells it how much of its answer was heard.
   */
  private async bargeIn(plan: PlannedTurn, bargeIn: BargeInPlan, answered: Answered, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    const { clock } = this.options;
    const { timeline } = answered;
    let endMs = answered.playbackStartMs + answered.durationMs;
    const firstPlayedMs = answered.playbackStartMs + answered.audibleOffsetMs;
    const dueMs =
      bargeIn.afterBotAudioMs !== undefined
        ? firstPlayedMs + bargeIn.afterBotAudioMs
        : answered.playbackStartMs + (wordEndMs([{ text: answered.reply, audioStartMs: answered.audibleOffsetMs }], answered.durationMs, bargeIn.afterBotWords ?? 1) ?? answered.durationMs);
    const chunks = [{ text: answered.reply, audioMs: answered.durationMs }];
    const base = { utterance: bargeIn.utterance.id, expect: bargeIn.expect, falseInterruptions: 0, pausedMs: 0 };
    if (dueMs >= endMs) {
      await clock.sleepUntil(endMs, signal);
      const outcome = judgeBargeIn({ ...base, spoken: false, interrupted: false, heardMs: answered.durationMs }, chunks);
      return [{ utterance: plan.utterance, timeline, reply: answered.reply, bargeIn: outcome }];
    }
    await clock.sleepUntil(dueMs, signal);
    const spokenTimeline = new Timeline(clock);
    let pausedAtMs: number | undefined;
    let stoppedAtMs: number | undefined;
    let falseInterruptions = 0;
    let pausedMs = 0;
    const captured = await captureUntilEndOfUtterance(bargeIn.utterance, this.options.vadModel, this.options.silenceTimeoutMs, spokenTimeline, clock, signal, {
      minSpeechMs: this.options.bargeInMinSpeechMs ?? DEFAULT_BARGE_IN_MIN_SPEECH_MS,
      onSpeech: (event) => {
        const nowMs = clock.nowMs();
        if (stoppedAtMs !== undefined || nowMs >= endMs) return; // the reply is over: nothing to stop
        if (event.type === 'speech_start' && pausedAtMs === undefined) pausedAtMs = nowMs;
        else if (event.type === 'speech_confirmed' && pausedAtMs !== undefined) stoppedAtMs = pausedAtMs;
        else if (event.type === 'speech_end' && !event.confirmed && pausedAtMs !== undefined) {
          falseInterruptions++;
          pausedMs += nowMs - pausedAtMs;
          endMs += nowMs - pausedAtMs;
          pausedAtMs = undefined;
        }
      },
    });
    const bargeInStartMs = spokenTimeline.get('caller.speech_start');
    if (bargeInStartMs !== undefined) timeline.mark('caller.bargein_start', bargeInStartMs);
    const heardUntilMs = stoppedAtMs ?? endMs;
    const heardMs = Math.min(answered.durationMs, heardUntilMs - answered.playbackStartMs - pausedMs);
    if (stoppedAtMs !== undefined || bargeIn.expect === 'interrupt') timeline.mark('caller.last_bot_audio', heardUntilMs);
    const facts = { ...base, spoken: true, interrupted: stoppedAtMs !== undefined, falseInterruptions, pausedMs, heardMs };
    if (!captured) {
      await clock.sleepUntil(endMs, signal);
      return [{ utterance: plan.utterance, timeline, reply: answered.reply, bargeIn: judgeBargeIn(facts, chunks), bargeInLeakMs: 0 }];
    }
    // the interruption is the next request, and says how much of the answer was heard
    const headers: Record<string, string> = stoppedAtMs === undefined ? {} : { [HEADER_INTERRUPTED]: heardMs.toFixed(1) };
    const next = await this.ask(bargeIn.utterance, captured.samples, turnIndex + 1, spokenTimeline, headers, signal);
    const detectedMs = spokenTimeline.get('agent.bargein_detected');
    if (detectedMs !== undefined) timeline.mark('agent.bargein_detected', detectedMs);
    await clock.sleepUntil(next.playbackStartMs + next.audibleOffsetMs, signal);
    const context = next.contextInterrupted === undefined ? {} : { contextInterrupted: next.contextInterrupted, truncated: next.contextInterrupted };
    // as on the streaming transports, an interrupted turn's reply is what the caller heard of it
    const reply = stoppedAtMs === undefined ? answered.reply : heardText(chunks, heardMs).text;
    return [
      { utterance: plan.utterance, timeline, reply, bargeIn: judgeBargeIn({ ...facts, ...context }, chunks), bargeInLeakMs: 0 },
      { utterance: bargeIn.utterance, timeline: spokenTimeline, reply: next.reply, interrupting: true },
    ];
  }

  /** Uploads one captured utterance and downloads the whole answer; marks its arrival and when playback reaches its first audible sample. */
  private async ask(utterance: Utterance, samples: Int16Array, turnIndex: number, timeline: Timeline, extraHeaders: Record<string, string>, signal: AbortSignal): Promise<Answered> {
    const { clock } = this.options;
    const headers: Record<string, string> = {
      'content-type': 'audio/wav',
      [HEADER_CALL]: this.options.callId,
      [HEADER_TURN]: String(turnIndex),
      ...extraHeaders,
    };
    if (this.options.sendTranscriptHint && utterance.transcript) headers[HEADER_TRANSCRIPT] = encodeURIComponent(utterance.transcript);
    const download = await this.post(encodeWav(samples), headers, signal);
    if (download.status !== 200) {
      const failure = errorBody(download.body);
      throw new TurnError(agentStage(failure.stage), `agent answered HTTP ${download.status}: ${failure.message}`);
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
    const firstByte = download.chunks.find((chunk) => chunk.endByte > reply.dataOffsetBytes) ?? download.chunks.at(-1);
    if (firstByte) timeline.mark('caller.first_byte', firstByte.atMs);
    if (arrival) timeline.mark('caller.first_audio', arrival.atMs);
    // Playback starts once the reply is downloaded and decoded; the leading silence plays first.
    const playbackStartMs = clock.nowMs();
    timeline.mark('caller.first_byte_played', playbackStartMs);
    timeline.mark('caller.first_audio_played', playbackStartMs + samplesToMs(audibleIndex));
    const replyHeader = download.headers[HEADER_REPLY];
    const contextHeader = download.headers[HEADER_CONTEXT_INTERRUPTED];
    return {
      timeline,
      reply: typeof replyHeader === 'string' ? decodeReply(replyHeader, HEADER_REPLY) : '',
      playbackStartMs,
      audibleOffsetMs: samplesToMs(audibleIndex),
      durationMs: samplesToMs(reply.samples.length),
      contextInterrupted: typeof contextHeader === 'string' ? decodeReply(contextHeader, HEADER_CONTEXT_INTERRUPTED) : undefined,
    };
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

function decodeReply(header: string, name: string): string {
  try {
    return decodeURIComponent(header);
  } catch (err) {
    throw new TurnError('agent', `the agent's ${name} header is not valid percent-encoding`, { cause: err });
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

/** The agent's error body: its message and the stage that failed, when it says. */
function errorBody(body: Buffer): { message: string; stage?: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown; stage?: unknown } };
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : body.toString('utf8').slice(0, 200);
    return typeof parsed.error?.stage === 'string' ? { message, stage: parsed.error.stage } : { message };
  } catch {
    return { message: body.toString('utf8').slice(0, 200) };
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
