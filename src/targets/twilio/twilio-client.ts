import alawmulaw from 'alawmulaw';
import type { RawData, WebSocket } from 'ws';
import { createEncoder, type FrameEncoder } from '../../audio/codecs.js';
import { littleEndianFrom, SAMPLE_RATE_HZ, samplesFromLittleEndian } from '../../audio/pcm.js';
import { StreamResampler } from '../../audio/stream-resampler.js';
import { lastSpeechFrame } from '../../caller/replay.js';
import type { Speaker, TargetLink, TargetListener } from '../../caller/target-link.js';
import type { TwilioSettings } from '../../config/target-config.js';
import { describeZodIssues } from '../../errors.js';
import type { Clock } from '../../metrics/clock.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { closedError, closeSocket, jsonTextFrame, type Dialled } from '../dial.js';
import { To16k } from '../pcm-stream.js';
import { agentToTwilioSchema, isBase64, twilioSid, type AgentToTwilio } from './twilio-messages.js';

const { mulaw } = alawmulaw;

/** A pending `mark`: echoed once the audio queued before it has played, or at once on `clear`. */
interface PendingMark {
  name: string;
  cancel: AbortController;
}

/** The microphone's 20 ms frames in the call's media format. */
async function uplinkEncoder(format: TwilioSettings['mediaFormat']): Promise<FrameEncoder> {
  if (format.encoding === 'audio/x-mulaw') return createEncoder('pcmu');
  if (format.sampleRate === SAMPLE_RATE_HZ) return { encode: (frame) => littleEndianFrom(frame), close: () => undefined };
  const down = await StreamResampler.create(SAMPLE_RATE_HZ, format.sampleRate, format.sampleRate / 50);
  return { encode: (frame) => littleEndianFrom(down.push(frame)[0] ?? new Int16Array(format.sampleRate / 50)), close: () => down.close() };
}

/**
 * voicebench as Twilio, the client of a bidirectional Media Stream (`<Connect><Stream>`): JSON
 * text frames only; `connected`, then `start` with the stream, call and account sids, the tracks,
 * the custom parameters and the media format; then `media` every 20 ms for the whole call,
 * silence included, numbered by `sequenceNumber`, `chunk` and `timestamp`; `stop` at the end.
 * What the agent sends is played as Twilio's media buffer plays it: `media` queued and played in
 * real time, a `mark` echoed once the audio queued before it has played, `clear` dropping what is
 * queued at once and returning the pending marks.
 */
export class TwilioClient implements TargetLink {
  readonly #streamSid = twilioSid('MZ');
  readonly #callSid = twilioSid('CA');
  readonly #accountSid = twilioSid('AC');
  #sequence = 0;
  #chunk = 0;
  #startedAtMs = 0;
  #listener: TargetListener | undefined;
  #speaker: Speaker | undefined;
  readonly #marks: PendingMark[] = [];

  private readonly socket: WebSocket;
  private readonly inbox: Dialled['inbox'];

  private constructor(
    dialled: Dialled,
    private readonly clock: Clock,
    private readonly settings: TwilioSettings,
    private readonly hints: boolean,
    private readonly encoder: FrameEncoder,
    private readonly decoder: To16k,
  ) {
    this.socket = dialled.socket;
    this.inbox = dialled.inbox;
  }

  /** Starts the stream on an open socket: `connected` and `start`, as Twilio sends them when the call connects. */
  static async start(dialled: Dialled, clock: Clock, settings: TwilioSettings, hints: boolean): Promise<TwilioClient> {
    const encoder = await uplinkEncoder(settings.mediaFormat);
    const decoder = await To16k.create(settings.mediaFormat.sampleRate);
    const client = new TwilioClient(dialled, clock, settings, hints, encoder, decoder);
    client.begin();
    return client;
  }

  private begin(): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.#startedAtMs = this.clock.nowMs();
    this.send({
      event: 'start',
      sequenceNumber: this.nextSequence(),
      start: {
        accountSid: this.#accountSid,
        streamSid: this.#streamSid,
        callSid: this.#callSid,
        tracks: ['inbound'],
        customParameters: { ...this.settings.customParameters },
        mediaFormat: { encoding: this.settings.mediaFormat.encoding, sampleRate: this.settings.mediaFormat.sampleRate, channels: 1 },
      },
      streamSid: this.#streamSid,
    });
  }

  get streamSid(): string {
    return this.#streamSid;
  }

  private nextSequence(): string {
    this.#sequence++;
    return String(this.#sequence);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  sendFrame(frame: Int16Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.#chunk++;
    const payload = this.encoder.encode(frame).toString('base64');
    const timestamp = String(Math.round(this.clock.nowMs() - this.#startedAtMs));
    this.send({ event: 'media', sequenceNumber: this.nextSequence(), media: { track: 'inbound', chunk: String(this.#chunk), timestamp, payload }, streamSid: this.#streamSid });
  }

  announce(turn: number, utterance: Utterance): void {
    // sim-only: voicebench serve's stand-in reads it; Twilio itself never sends it
    if (this.hints) this.send({ event: 'voicebench.turn', streamSid: this.#streamSid, turn, transcript: utterance.transcript, speechEndFrame: lastSpeechFrame(utterance.speechEndMs) });
  }

  listen(listener: TargetListener, speaker: Speaker): void {
    this.#listener = listener;
    this.#speaker = speaker;
    this.inbox.read((data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', (code, reason) => {
      this.cancelMarks();
      listener.closed(closedError(code, reason));
    });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const arrivalMs = this.clock.nowMs();
    const listener = this.#listener;
    if (!listener) return;
    const frame = jsonTextFrame(data, isBinary, 'Twilio takes JSON text frames only');
    if ('problem' in frame) {
      listener.protocolError(frame.problem);
      return;
    }
    const { json } = frame;
    const parsed = agentToTwilioSchema.safeParse(json);
    if (!parsed.success) {
      const event = typeof json === 'object' && json !== null && 'event' in json ? JSON.stringify((json as { event: unknown }).event) : 'none';
      listener.protocolError(`a message Twilio does not take (event ${event}): ${describeZodIssues(parsed.error, '', '(message)')}; Twilio takes media, mark and clear`);
      return;
    }
    const message = parsed.data;
    if (message.streamSid !== this.#streamSid) {
      listener.protocolError(`${message.event} for stream ${message.streamSid}; this stream is ${this.#streamSid}`);
      return;
    }
    this.onAgentMessage(message, arrivalMs, listener);
  }

  private onAgentMessage(message: AgentToTwilio, arrivalMs: number, listener: TargetListener): void {
    switch (message.event) {
      case 'media': {
        const samples = this.decode(message.media.payload);
        if (typeof samples === 'string') listener.protocolError(samples);
        else listener.audio(samples, arrivalMs);
        return;
      }
      case 'mark':
        this.queueMark(message.mark.name, arrivalMs);
        return;
      case 'clear':
        this.#speaker?.drop(arrivalMs);
        this.echoPendingMarks();
        listener.interruption(arrivalMs);
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled Twilio message ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A media payload as 16 kHz samples, or what is wrong with it. */
  private decode(payload: string): Int16Array | string {
    const { encoding, sampleRate } = this.settings.mediaFormat;
    if (payload.length === 0 || !isBase64(payload)) return `a media payload that is not base64 audio (${payload.length} characters)`;
    const bytes = Buffer.from(payload, 'base64');
    if (encoding === 'audio/x-l16' && bytes.length % 2 !== 0) return `a media payload of ${bytes.length} bytes: ${encoding} has 2 bytes per sample`;
    const samples = encoding === 'audio/x-mulaw' ? Int16Array.from(mulaw.decode(bytes)) : samplesFromLittleEndian(bytes);
    return sampleRate === SAMPLE_RATE_HZ ? samples : this.decoder.push(samples);
  }

  /** Echoed once the audio queued before it has played, as Twilio does; at once when nothing is queued. */
  private queueMark(name: string, arrivalMs: number): void {
    const dueMs = this.#speaker?.queuedUntilMs();
    if (dueMs === undefined || dueMs <= arrivalMs) {
      this.echoMark(name);
      return;
    }
    const mark: PendingMark = { name, cancel: new AbortController() };
    this.#marks.push(mark);
    this.clock.sleepUntil(dueMs, mark.cancel.signal).then(
      () => {
        const index = this.#marks.indexOf(mark);
        if (index < 0) return;
        // marks go back in the order they came: any before this one are due too
        for (const earlier of this.#marks.splice(0, index + 1)) this.echoMark(earlier.name);
      },
      () => undefined, // cancelled by clear (echoed already) or the end of the call
    );
  }

  private echoMark(name: string): void {
    this.send({ event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.#streamSid, mark: { name } });
  }

  private echoPendingMarks(): void {
    for (const mark of this.#marks.splice(0)) {
      mark.cancel.abort();
      this.echoMark(mark.name);
    }
  }

  private cancelMarks(): void {
    for (const mark of this.#marks.splice(0)) mark.cancel.abort();
  }

  /** Hangs up: `stop`, then the socket closes, as Twilio ends a stream when the call ends. */
  async close(): Promise<void> {
    this.cancelMarks();
    if (this.socket.readyState === this.socket.OPEN) {
      this.send({ event: 'stop', sequenceNumber: this.nextSequence(), streamSid: this.#streamSid, stop: { accountSid: this.#accountSid, callSid: this.#callSid } });
      await closeSocket(this.socket, this.clock);
    } else {
      this.socket.terminate();
    }
    this.encoder.close();
    this.decoder.close();
  }
}
