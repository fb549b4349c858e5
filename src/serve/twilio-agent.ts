import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import type { AgentEvent, CallOutput } from '../agent/events.js';
import { Stages } from '../agent/stages.js';
import { CallProtocolError, newStreamingCall, type StreamingAgentOptions, type StreamingCall } from '../agent/streaming-call.js';
import { createDecoder, createEncoder } from '../audio/codecs.js';
import { FRAME_MS, FRAME_SAMPLES } from '../audio/pcm.js';
import { TransportError } from '../errors.js';
import { decodeFrame, encodeFrame, MAX_TEXT_MESSAGE_BYTES, parseMessage } from '../transports/stream-protocol.js';
import { toBuffer } from '../transports/ws/raw-data.js';
import { CLOSE_INTERNAL, CLOSE_NORMAL, CLOSE_POLICY, CLOSE_UNSUPPORTED_DATA, closeReason, startAgentSocketServer, type RunningAgentSocketServer } from './agent-socket-server.js';
import { turnEntryOf, type AgentTurnLog } from './agent-turn-log.js';

/**
 * The agent side of Twilio Media Streams (bidirectional), so voicebench's Twilio client can be
 * tested offline: the streaming agent behind the JSON text frames Twilio sends and accepts
 * (twilio.com/docs/voice/media-streams/websocket-messages). One connection is one call; a peer
 * that breaks the protocol is closed with 1003 (data this agent cannot take) or 1008 (a message
 * out of place or malformed), the reason saying why; other calls go on.
 */
export const TWILIO_PATH = '/media';

/** Bot audio queued in the socket past this means the client stopped reading: the call is ended. */
const MAX_QUEUED_AUDIO_MS = 8_000;

/** The audio a stream may carry: Twilio's µ-law 8 kHz, and 16 kHz L16 as Telnyx-style clones offer it. */
const MEDIA_FORMATS = {
  pcmu: { encoding: 'audio/x-mulaw', sampleRateHz: 8_000, payloadBytes: FRAME_SAMPLES / 2 },
  l16: { encoding: 'audio/x-l16', sampleRateHz: 16_000, payloadBytes: FRAME_SAMPLES * 2 },
} as const;
type MediaFormatName = keyof typeof MEDIA_FORMATS;

const SUPPORTED_FORMATS = Object.values(MEDIA_FORMATS)
  .map((format) => `${format.encoding} at ${format.sampleRateHz} Hz mono`)
  .join(' or ');

/** Twilio sends sequence numbers, chunks and timestamps as strings of digits; numbers are taken too. */
const counter = z.union([z.string().regex(/^\d+$/, 'expected digits'), z.number().int().min(0)]);
const streamSid = z.string().min(1).max(200);

const twilioMessageSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() }),
  z.object({
    event: z.literal('start'),
    sequenceNumber: counter.optional(),
    streamSid,
    start: z.object({
      streamSid,
      accountSid: z.string().optional(),
      callSid: z.string().optional(),
      tracks: z.array(z.string()).optional(),
      customParameters: z.record(z.string(), z.unknown()).optional(),
      mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }),
    }),
  }),
  z.object({
    event: z.literal('media'),
    sequenceNumber: counter.optional(),
    streamSid,
    media: z.object({ track: z.string().optional(), chunk: counter.optional(), timestamp: counter.optional(), payload: z.string() }),
  }),
  z.object({ event: z.literal('mark'), sequenceNumber: counter.optional(), streamSid, mark: z.object({ name: z.string() }) }),
  z.object({ event: z.literal('dtmf'), sequenceNumber: counter.optional(), streamSid: streamSid.optional() }),
  z.object({ event: z.literal('stop'), sequenceNumber: counter.optional(), streamSid, stop: z.object({ accountSid: z.string().optional(), callSid: z.string().optional() }).optional() }),
  /** Sim-only hint (real Twilio never sends it): as the ws protocol's `turn.start`, just before an utterance's first media frame. */
  z.object({
    event: z.literal('voicebench.turn'),
    streamSid,
    turn: z.number().int().min(0),
    transcript: z.string().max(4000).optional(),
    speechEndFrame: z.number().int().min(0).optional(),
  }),
]);
type TwilioMessage = z.infer<typeof twilioMessageSchema>;

/** What the agent sends: bot audio, `clear` on barge-in, a `mark` after each answer's audio. */
export type TwilioAgentMessage =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'clear'; streamSid: string }
  | { event: 'mark'; streamSid: string; mark: { name: string } };

export interface TwilioAgentOptions extends StreamingAgentOptions {
  /** Called with each turn the agent answered or was interrupted in (`call` is the streamSid). */
  onTurn?: AgentTurnLog;
}

export type RunningTwilioAgent = RunningAgentSocketServer;

/** Why the agent ends a call: the close code, and the reason sent with it. */
class StreamFault extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Twilio's payload as 20 ms frames of 16 kHz PCM16 and back, in the stream's declared format. */
interface MediaCodec {
  format: MediaFormatName;
  decode(payload: Buffer): Int16Array;
  encode(frame: Int16Array): Buffer;
  close(): void;
}

async function openCodec(format: MediaFormatName): Promise<MediaCodec> {
  switch (format) {
    case 'pcmu': {
      const decoder = await createDecoder('pcmu');
      const encoder = await createEncoder('pcmu');
      return {
        format,
        decode: (payload) => decoder.decode(payload),
        encode: (frame) => encoder.encode(frame),
        close: () => {
          decoder.close();
          encoder.close();
        },
      };
    }
    case 'l16':
      return {
        format,
        decode: (payload) => {
          const decoded = decodeFrame(payload);
          if (!decoded.ok) throw new StreamFault(CLOSE_UNSUPPORTED_DATA, decoded.error);
          return decoded.frame;
        },
        encode: (frame) => encodeFrame(frame),
        close: () => undefined,
      };
  }
}

function mediaFormatOf(declared: { encoding: string; sampleRate: number; channels: number }): MediaFormatName {
  for (const [name, format] of Object.entries(MEDIA_FORMATS) as Array<[MediaFormatName, (typeof MEDIA_FORMATS)[MediaFormatName]]>) {
    if (declared.encoding === format.encoding && declared.sampleRate === format.sampleRateHz && declared.channels === 1) return name;
  }
  throw new StreamFault(CLOSE_UNSUPPORTED_DATA, `start.mediaFormat ${declared.encoding} at ${declared.sampleRate} Hz, ${declared.channels} channel(s) is not supported; send ${SUPPORTED_FORMATS}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One media payload as bytes: base64 of exactly one 20 ms frame in the stream's format. */
function payloadBytes(payload: string, format: MediaFormatName): Buffer {
  if (!BASE64.test(payload)) throw new StreamFault(CLOSE_UNSUPPORTED_DATA, `media.payload is not base64: ${JSON.stringify(payload.slice(0, 40))}`);
  const bytes = Buffer.from(payload, 'base64');
  const { payloadBytes: expected, encoding, sampleRateHz } = MEDIA_FORMATS[format];
  if (bytes.length !== expected) throw new StreamFault(CLOSE_UNSUPPORTED_DATA, `media.payload of ${bytes.length} bytes; expected ${expected} (one ${FRAME_MS} ms frame of ${encoding} at ${sampleRateHz} Hz)`);
  return bytes;
}

/** The stream once `start` has come: its id, its codec and the call behind it. */
interface OpenStream {
  sid: string;
  codec: MediaCodec;
  call: StreamingCall;
}

/** One Twilio connection: messages are handled one after another (a `start` waits for its codec). */
class TwilioConnection {
  #stream: OpenStream | undefined;
  #starting = false;
  #inbound: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: TwilioAgentOptions,
    private readonly stages: Stages,
  ) {}

  /** Resolves once the socket has closed and the call's work has stopped. */
  run(): Promise<void> {
    const { socket } = this;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBuffer(data);
      this.#inbound = this.#inbound.then(() => this.onMessage(bytes, isBinary)).catch((err: unknown) => this.fail(err));
    });
    return new Promise<void>((resolve) => {
      socket.on('close', () => {
        void this.#inbound
          .then(async () => {
            const stream = this.#stream;
            if (!stream) return;
            await stream.call.close(new Error('the client closed the connection'));
            stream.codec.close();
          })
          .finally(resolve);
      });
    });
  }

  private fail(err: unknown): void {
    const fault = err instanceof StreamFault ? err : new StreamFault(CLOSE_INTERNAL, err instanceof Error ? err.message : String(err));
    this.socket.close(fault.closeCode, closeReason(fault.message));
  }

  private send(message: TwilioAgentMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private async onMessage(bytes: Buffer, isBinary: boolean): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (isBinary) throw new StreamFault(CLOSE_UNSUPPORTED_DATA, 'a binary frame: Twilio Media Streams carries JSON text frames only');
    const parsed = parseMessage(bytes.toString('utf8'), twilioMessageSchema);
    if (!parsed.ok) throw new StreamFault(CLOSE_POLICY, `malformed message: ${parsed.error}`);
    await this.handle(parsed.message);
  }

  private async handle(message: TwilioMessage): Promise<void> {
    switch (message.event) {
      case 'connected':
      case 'dtmf':
        return;
      case 'start':
        return this.start(message);
      case 'media': {
        const stream = this.requireStream(message.streamSid, 'media');
        if (message.media.track !== undefined && message.media.track !== 'inbound') throw new StreamFault(CLOSE_POLICY, `media.track "${message.media.track}": only the inbound track is answered`);
        const frame = stream.codec.decode(payloadBytes(message.media.payload, stream.codec.format));
        try {
          stream.call.pushFrame(frame);
        } catch (err) {
          if (err instanceof CallProtocolError) throw new StreamFault(err.code === 'bad_audio' ? CLOSE_UNSUPPORTED_DATA : CLOSE_POLICY, err.message);
          throw err;
        }
        return;
      }
      case 'mark':
        this.requireStream(message.streamSid, 'mark'); // the client played the audio before one of our marks
        return;
      case 'voicebench.turn': {
        const stream = this.requireStream(message.streamSid, 'voicebench.turn');
        stream.call.startTurn({ turn: message.turn, transcript: message.transcript, speechEndFrame: message.speechEndFrame });
        return;
      }
      case 'stop':
        if (this.#stream) this.requireStream(message.streamSid, 'stop');
        this.socket.close(CLOSE_NORMAL, 'stream stopped');
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private requireStream(sid: string, event: string): OpenStream {
    const stream = this.#stream;
    if (!stream) throw new StreamFault(CLOSE_POLICY, `${event} before start: send start (with its mediaFormat) first`);
    if (sid !== stream.sid) throw new StreamFault(CLOSE_POLICY, `${event} for streamSid ${JSON.stringify(sid)}, but this stream is ${JSON.stringify(stream.sid)}`);
    return stream;
  }

  private async start(message: Extract<TwilioMessage, { event: 'start' }>): Promise<void> {
    if (this.#stream || this.#starting) throw new StreamFault(CLOSE_POLICY, 'start sent twice');
    if (message.start.streamSid !== message.streamSid) throw new StreamFault(CLOSE_POLICY, `start.streamSid ${JSON.stringify(message.start.streamSid)} differs from streamSid ${JSON.stringify(message.streamSid)}`);
    const format = mediaFormatOf(message.start.mediaFormat);
    this.#starting = true;
    const codec = await openCodec(format);
    if (this.socket.readyState !== this.socket.OPEN) {
      codec.close();
      return;
    }
    const sid = message.streamSid;
    const call = newStreamingCall(this.options, this.stages, this.output(sid, codec));
    call.onFailure((err) => this.fail(new StreamFault(CLOSE_INTERNAL, `audio processing failed: ${err instanceof Error ? err.message : String(err)}`)));
    this.#stream = { sid, codec, call };
  }

  private output(sid: string, codec: MediaCodec): CallOutput {
    return {
      event: (event) => this.onAgentEvent(sid, event),
      audio: (frame) => {
        if (this.socket.readyState !== this.socket.OPEN) throw new TransportError('the client closed the connection');
        const message = JSON.stringify({ event: 'media', streamSid: sid, media: { payload: codec.encode(frame).toString('base64') } } satisfies TwilioAgentMessage);
        if (this.socket.bufferedAmount > (MAX_QUEUED_AUDIO_MS / FRAME_MS) * message.length) {
          this.fail(new StreamFault(CLOSE_POLICY, `the client is not reading: ${this.socket.bufferedAmount} bytes of media are queued`));
          throw new TransportError('the client is not reading its audio');
        }
        this.socket.send(message);
      },
    };
  }

  /** Barge-in onset and commit both clear the client's buffer, as Pipecat's serializer does; the rest has no Twilio equivalent. */
  private onAgentEvent(sid: string, event: AgentEvent): void {
    const entry = turnEntryOf('twilio', sid, event);
    if (entry) this.options.onTurn?.(entry);
    switch (event.type) {
      case 'audio.pause':
      case 'response.interrupted':
        this.send({ event: 'clear', streamSid: sid });
        return;
      case 'response.done':
        this.send({ event: 'mark', streamSid: sid, mark: { name: `response-${event.turn}` } });
        return;
      case 'vad':
      case 'transcript.partial':
      case 'transcript.final':
      case 'response.start':
      case 'response.text':
      case 'audio.resume':
      case 'error': // a failed turn shows to the client as an answer that never comes (no media, no mark)
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled agent event ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The streaming agent over Twilio Media Streams at `/media`, one call per connection. */
export async function startTwilioAgent(options: TwilioAgentOptions): Promise<RunningTwilioAgent> {
  const stages = new Stages(options.pipeline);
  return startAgentSocketServer({
    path: TWILIO_PATH,
    host: options.host,
    port: options.port,
    maxPayloadBytes: MAX_TEXT_MESSAGE_BYTES,
    onCall: (socket) => new TwilioConnection(socket, options, stages).run(),
  });
}
