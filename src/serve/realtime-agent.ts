import type {
  ConversationItemAdded,
  ConversationItemTruncatedEvent,
  InputAudioBufferCommittedEvent,
  InputAudioBufferSpeechStartedEvent,
  InputAudioBufferSpeechStoppedEvent,
  RealtimeConversationItemAssistantMessage,
  RealtimeErrorEvent,
  RealtimeResponse,
  ResponseAudioDeltaEvent,
  ResponseAudioDoneEvent,
  ResponseAudioTranscriptDeltaEvent,
  ResponseAudioTranscriptDoneEvent,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  SessionCreatedEvent,
  SessionUpdatedEvent,
} from 'openai/resources/realtime/realtime';
import type { RawData, WebSocket } from 'ws';
import type { AgentEvent, CallOutput } from '../agent/events.js';
import { Stages } from '../agent/stages.js';
import { CallProtocolError, newStreamingCall, type StreamingAgentOptions, type StreamingCall } from '../agent/streaming-call.js';
import { FRAME_MS, FRAME_SAMPLES, samplesFromLittleEndian, samplesToMs, SAMPLE_RATE_HZ } from '../audio/pcm.js';
import { ResamplerPool, type StreamResampler } from '../audio/stream-resampler.js';
import { describeZodIssues, TransportError } from '../errors.js';
import { encodeFrame } from '../transports/stream-protocol.js';
import { toBuffer } from '../transports/ws/raw-data.js';
import { CLOSE_INTERNAL, CLOSE_POLICY, closeReason, startAgentSocketServer, type RunningAgentSocketServer } from './agent-socket-server.js';
import { turnEntryOf, type AgentTurnLog } from './agent-turn-log.js';
import {
  applySessionUpdate,
  BETA_EVENT_NAMES,
  defaultSessionConfig,
  HANDLED_CLIENT_EVENTS,
  REALTIME_PCM_RATE_HZ,
  realtimeClientEventSchema,
  realtimeId,
  sessionObject,
  silenceTimeoutOf,
  UNSUPPORTED_CLIENT_EVENTS,
  type EventNames,
  type RealtimeClientMessage,
  type RealtimeSessionObject,
  type SessionConfig,
} from './realtime-session.js';

/**
 * A stand-in for OpenAI's GA Realtime WebSocket server, so voicebench's Realtime client can be
 * tested offline: the streaming agent behind `/v1/realtime`, one session per connection. As with
 * OpenAI, a bad client event is answered with an `error` event and the session stays open; only
 * a client that overloads the agent, or a failure of the agent itself, closes it.
 */
export const REALTIME_PATH = '/v1/realtime';

/** One append can carry this much (about 16 s of 24 kHz PCM16 as base64; OpenAI takes up to 15 MiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Bot audio queued in the socket past this means the client stopped reading: the session is ended. */
const MAX_QUEUED_AUDIO_MS = 8_000;
/** Assistant items remembered for `conversation.item.truncate`. */
const MAX_TRUNCATABLE_ITEMS = 100;
const OUTPUT_FRAME_SAMPLES = (REALTIME_PCM_RATE_HZ * FRAME_MS) / 1000;

export interface RealtimeAgentOptions extends StreamingAgentOptions {
  /** Called with each turn the agent answered or was interrupted in (`call` is the session id). */
  onTurn?: AgentTurnLog;
  /** `beta` speaks the pre-GA event names (`response.audio.delta`, …), for testing clients against both; default `ga`. */
  eventNames?: EventNames;
}

export type RunningRealtimeAgent = RunningAgentSocketServer;

type WithoutEventId<T> = T extends unknown ? Omit<T, 'event_id'> : never;
/** Every server event this stand-in sends, as the official SDK types them. */
type ServerEvent = WithoutEventId<
  | SessionCreatedEvent
  | SessionUpdatedEvent
  | RealtimeErrorEvent
  | InputAudioBufferSpeechStartedEvent
  | InputAudioBufferSpeechStoppedEvent
  | InputAudioBufferCommittedEvent
  | ConversationItemAdded
  | ConversationItemTruncatedEvent
  | ResponseCreatedEvent
  | ResponseAudioDeltaEvent
  | ResponseAudioDoneEvent
  | ResponseAudioTranscriptDeltaEvent
  | ResponseAudioTranscriptDoneEvent
  | ResponseDoneEvent
>;

/** A client event that could not be carried out: answered with an `error` event, the session stays open. */
class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** The response being streamed; `cancelled` once the client cancelled it (its remaining audio is dropped). */
interface ActiveResponse {
  id: string;
  itemId: string;
  turn: number;
  audioMs: number;
  transcript: string;
  cancelled: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One Realtime connection: messages are handled one after another, after the resamplers are ready. */
class RealtimeConnection {
  readonly #sessionId = realtimeId('sess');
  readonly #conversationId = realtimeId('conv');
  #config: SessionConfig;
  #call: StreamingCall | undefined;
  #inbound: Promise<void>;
  #up: StreamResampler | undefined;
  #down: StreamResampler | undefined;
  /** 24 kHz samples appended so far: the session's audio clock for audio_start_ms / audio_end_ms. */
  #appendedSamples = 0;
  #userItem = { id: realtimeId('item'), speechStarted: false };
  #lastItemId: string | null = null;
  #response: ActiveResponse | undefined;
  /** Audio sent per assistant item, for truncation. */
  readonly #itemAudioMs = new Map<string, number>();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: RealtimeAgentOptions,
    private readonly stages: Stages,
    private readonly pools: { up: ResamplerPool; down: ResamplerPool },
  ) {
    this.#config = defaultSessionConfig(options.silenceTimeoutMs);
    this.#inbound = this.open().catch((err: unknown) => this.fatal('internal', CLOSE_INTERNAL, `the session could not open: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async open(): Promise<void> {
    this.#up = await this.pools.up.take();
    this.#down = await this.pools.down.take();
    this.emit({ type: 'session.created', session: this.session() });
  }

  /** Resolves once the socket has closed and the call's work has stopped. */
  run(): Promise<void> {
    const { socket } = this;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBuffer(data);
      this.#inbound = this.#inbound.then(() => this.onMessage(bytes, isBinary));
    });
    return new Promise<void>((resolve) => {
      socket.on('close', () => {
        void this.#inbound
          .then(async () => {
            await this.#call?.close(new Error('the client closed the connection'));
            if (this.#up) this.pools.up.give(this.#up);
            if (this.#down) this.pools.down.give(this.#down);
          })
          .finally(resolve);
      });
    });
  }

  private session(): RealtimeSessionObject {
    return sessionObject(this.#sessionId, this.#config);
  }

  private emit(event: ServerEvent): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const type = this.options.eventNames === 'beta' ? (BETA_EVENT_NAMES[event.type] ?? event.type) : event.type;
    this.socket.send(JSON.stringify({ event_id: realtimeId('event'), ...event, type }));
  }

  private clientError(err: ClientError, clientEventId: string | null): void {
    this.emit({ type: 'error', error: { type: 'invalid_request_error', code: err.code, message: err.message, param: err.param, event_id: clientEventId } });
  }

  /** The agent cannot go on (overloaded, or failed): an `error` event, then the close. */
  private fatal(code: string, closeCode: number, message: string): void {
    this.emit({ type: 'error', error: { type: code === 'overloaded' ? 'invalid_request_error' : 'server_error', code, message, param: null, event_id: null } });
    this.socket.close(closeCode, closeReason(message));
  }

  private onMessage(bytes: Buffer, isBinary: boolean): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    let clientEventId: string | null = null;
    try {
      if (isBinary) throw new ClientError('invalid_binary', 'binary frames are not accepted: send JSON text events (audio as base64 in input_audio_buffer.append)');
      const text = bytes.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ClientError('invalid_json', `the event is not JSON (${err instanceof Error ? err.message : String(err)}): ${text.slice(0, 80)}`);
      }
      const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
      if (typeof fields['event_id'] === 'string') clientEventId = fields['event_id'];
      const type = fields['type'];
      if (typeof type === 'string' && UNSUPPORTED_CLIENT_EVENTS.includes(type)) throw new ClientError('unsupported_event', `${type} is not supported by this server: it detects turns and answers them itself`, 'type');
      if (typeof type !== 'string' || !HANDLED_CLIENT_EVENTS.includes(type)) {
        throw new ClientError('invalid_value', `Invalid value: ${JSON.stringify(type ?? null)}. Supported values are: ${HANDLED_CLIENT_EVENTS.map((name) => `'${name}'`).join(', ')}.`, 'type');
      }
      const parsed = realtimeClientEventSchema.safeParse(json);
      if (!parsed.success) throw new ClientError('invalid_request_error', describeZodIssues(parsed.error, '', '(event)'));
      this.handle(parsed.data);
    } catch (err) {
      if (err instanceof ClientError) this.clientError(err, clientEventId);
      else if (err instanceof CallProtocolError) this.fatal(err.code, CLOSE_POLICY, err.message);
      else this.fatal('internal', CLOSE_INTERNAL, err instanceof Error ? err.message : String(err));
    }
  }

  private handle(message: RealtimeClientMessage): void {
    switch (message.type) {
      case 'session.update': {
        const applied = applySessionUpdate(this.#config, message.session, this.options.eventNames ?? 'ga', { started: this.#call !== undefined, defaultSilenceMs: this.options.silenceTimeoutMs });
        if (!applied.ok) throw new ClientError('invalid_value', applied.error, applied.param);
        this.#config = applied.config;
        this.emit({ type: 'session.updated', session: this.session() });
        return;
      }
      case 'input_audio_buffer.append':
        return this.append(message.audio);
      case 'conversation.item.truncate':
        return this.truncate(message.item_id, message.content_index, message.audio_end_ms);
      case 'response.cancel':
        return this.cancel(message.response_id);
      case 'voicebench.turn':
        this.ensureCall().startTurn({ turn: message.turn, transcript: message.transcript, speechEndFrame: message.speechEndFrame });
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled client event ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The call starts with the first audio or hint, so the first session.update's silence_duration_ms applies to it. */
  private ensureCall(): StreamingCall {
    if (this.#call) return this.#call;
    const silenceTimeoutMs = silenceTimeoutOf(this.#config.turnDetection, this.options.silenceTimeoutMs);
    const call = newStreamingCall({ ...this.options, silenceTimeoutMs }, this.stages, this.output());
    call.onFailure((err) => this.fatal('internal', CLOSE_INTERNAL, `audio processing failed: ${err instanceof Error ? err.message : String(err)}`));
    this.#call = call;
    return call;
  }

  private append(audio: string): void {
    if (!BASE64.test(audio)) throw new ClientError('invalid_value', 'audio is not base64', 'audio');
    const bytes = Buffer.from(audio, 'base64');
    if (bytes.length % 2 !== 0) throw new ClientError('invalid_value', `audio of ${bytes.length} bytes: PCM16 comes in whole 2-byte samples`, 'audio');
    const samples = samplesFromLittleEndian(bytes);
    const call = this.ensureCall();
    this.#appendedSamples += samples.length;
    for (const frame of this.resampler('up').push(samples)) call.pushFrame(frame);
  }

  private resampler(direction: 'up' | 'down'): StreamResampler {
    const resampler = direction === 'up' ? this.#up : this.#down;
    if (!resampler) throw new Error('the session is not open yet');
    return resampler;
  }

  private appendedMs(): number {
    return Math.round(samplesToMs(this.#appendedSamples, REALTIME_PCM_RATE_HZ));
  }

  private truncate(itemId: string, contentIndex: number, audioEndMs: number): void {
    const current = this.#response?.itemId === itemId ? this.#response.audioMs : undefined;
    const audioMs = current ?? this.#itemAudioMs.get(itemId);
    if (audioMs === undefined) throw new ClientError('item_not_found', `no assistant item ${JSON.stringify(itemId)} in this conversation`, 'item_id');
    if (contentIndex !== 0) throw new ClientError('invalid_value', `content_index ${contentIndex}: an assistant audio item has one content part (0)`, 'content_index');
    if (audioEndMs > audioMs) throw new ClientError('invalid_value', `audio_end_ms ${audioEndMs} is beyond the item's audio (${audioMs} ms)`, 'audio_end_ms');
    this.emit({ type: 'conversation.item.truncated', item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs });
  }

  /**
   * The client cancels the response: its remaining audio is dropped and it ends `cancelled`. The
   * agent itself has no cancel: it finishes the answer unheard, and answers the next utterance after.
   */
  private cancel(responseId: string | undefined): void {
    const response = this.#response;
    if (!response || response.cancelled) throw new ClientError('response_cancel_not_active', 'Cancellation failed: no active response found');
    if (responseId !== undefined && responseId !== response.id) throw new ClientError('invalid_value', `response ${JSON.stringify(responseId)} is not the active one (${response.id})`, 'response_id');
    response.cancelled = true;
    this.endResponse(response, 'cancelled', response.transcript, 'client_cancelled');
  }

  private output(): CallOutput {
    return {
      event: (event) => this.onAgentEvent(event),
      audio: (frame) => {
        if (this.socket.readyState !== this.socket.OPEN) throw new TransportError('the client closed the connection');
        const response = this.#response;
        for (const out of this.resampler('down').push(frame)) {
          if (!response || response.cancelled) continue;
          const delta = encodeFrame(out).toString('base64');
          const event: ServerEvent = { type: 'response.output_audio.delta', response_id: response.id, item_id: response.itemId, output_index: 0, content_index: 0, delta };
          if (this.socket.bufferedAmount > (MAX_QUEUED_AUDIO_MS / FRAME_MS) * delta.length) {
            this.fatal('overloaded', CLOSE_POLICY, `the client is not reading: ${this.socket.bufferedAmount} bytes of audio are queued`);
            throw new TransportError('the client is not reading its audio');
          }
          this.emit(event);
          response.audioMs += samplesToMs(OUTPUT_FRAME_SAMPLES, REALTIME_PCM_RATE_HZ);
        }
      },
    };
  }

  /** Onset over the bot (`audio.pause`) starts the user's item as OpenAI's VAD would, so the client can stop playback. */
  private speechStarted(): void {
    if (this.#userItem.speechStarted) return;
    this.#userItem.speechStarted = true;
    const prefixMs = this.#config.turnDetection.type === 'server_vad' ? (this.#config.turnDetection.prefix_padding_ms ?? 0) : 0;
    this.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.max(0, this.appendedMs() - prefixMs), item_id: this.#userItem.id });
  }

  /** End of utterance: speech_stopped (its audio_end_ms includes the silence, as OpenAI's does), the commit, the user item. */
  private committed(): void {
    this.speechStarted();
    const itemId = this.#userItem.id;
    const previous = this.#lastItemId;
    this.emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: this.appendedMs(), item_id: itemId });
    this.emit({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous });
    this.emit({ type: 'conversation.item.added', previous_item_id: previous, item: { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio' }] } });
    this.#lastItemId = itemId;
    this.#userItem = { id: realtimeId('item'), speechStarted: false };
  }

  private responseObject(response: ActiveResponse, status: NonNullable<RealtimeResponse['status']>, transcript: string, reason?: 'turn_detected' | 'client_cancelled'): RealtimeResponse {
    const item: RealtimeConversationItemAssistantMessage = {
      id: response.itemId,
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status: status === 'in_progress' ? 'in_progress' : status === 'completed' ? 'completed' : 'incomplete',
      content: [{ type: 'output_audio', transcript }],
    };
    return {
      id: response.id,
      object: 'realtime.response',
      conversation_id: this.#conversationId,
      status,
      ...(reason ? { status_details: { type: 'cancelled', reason } } : {}),
      output: status === 'in_progress' ? [] : [item],
      output_modalities: ['audio'],
      audio: { output: { format: { type: 'audio/pcm', rate: REALTIME_PCM_RATE_HZ }, voice: typeof this.#config.voice === 'string' ? this.#config.voice : this.#config.voice.id } },
    };
  }

  /** The response's closing events: its audio (and, when completed, transcript) done, then response.done. */
  private endResponse(response: ActiveResponse, status: 'completed' | 'cancelled' | 'failed', transcript: string, reason?: 'turn_detected' | 'client_cancelled'): void {
    const ids = { response_id: response.id, item_id: response.itemId, output_index: 0, content_index: 0 };
    this.emit({ type: 'response.output_audio.done', ...ids });
    if (status === 'completed') this.emit({ type: 'response.output_audio_transcript.done', ...ids, transcript });
    this.emit({ type: 'response.done', response: this.responseObject(response, status, transcript, reason) });
    this.#itemAudioMs.set(response.itemId, response.audioMs);
    if (this.#itemAudioMs.size > MAX_TRUNCATABLE_ITEMS) this.#itemAudioMs.delete(this.#itemAudioMs.keys().next().value as string);
    this.#lastItemId = response.itemId;
  }

  private onAgentEvent(event: AgentEvent): void {
    const entry = turnEntryOf('openai-realtime', this.#sessionId, event);
    if (entry) this.options.onTurn?.(entry);
    const turn = 'turn' in event ? event.turn : undefined;
    const response = this.#response !== undefined && this.#response.turn === turn ? this.#response : undefined;
    switch (event.type) {
      case 'vad':
        if (event.state === 'speech_start') this.speechStarted();
        else if (event.state === 'eou') this.committed();
        return;
      case 'audio.pause':
        this.speechStarted();
        return;
      case 'response.start': {
        const started: ActiveResponse = { id: realtimeId('resp'), itemId: realtimeId('item'), turn: event.turn, audioMs: 0, transcript: '', cancelled: false };
        this.#response = started;
        this.emit({ type: 'response.created', response: this.responseObject(started, 'in_progress', '') });
        return;
      }
      case 'response.text': {
        if (!response || response.cancelled) return;
        const delta = response.transcript.length > 0 ? ` ${event.text}` : event.text;
        response.transcript += delta;
        this.emit({ type: 'response.output_audio_transcript.delta', response_id: response.id, item_id: response.itemId, output_index: 0, content_index: 0, delta });
        return;
      }
      case 'response.done':
        if (response && !response.cancelled) this.endResponse(response, 'completed', event.reply);
        if (response) this.#response = undefined;
        return;
      case 'response.interrupted':
        if (response && !response.cancelled) this.endResponse(response, 'cancelled', event.reply, 'turn_detected');
        if (response) this.#response = undefined;
        return;
      case 'error':
        this.emit({ type: 'error', error: { type: 'server_error', code: event.code, message: event.message, param: null, event_id: null } });
        if (response) {
          if (!response.cancelled) this.endResponse(response, 'failed', response.transcript);
          this.#response = undefined;
        }
        return;
      case 'transcript.partial':
      case 'transcript.final':
      case 'audio.resume':
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled agent event ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The streaming agent as an OpenAI Realtime server at `/v1/realtime`; any Authorization is accepted and none is read. */
export async function startRealtimeAgent(options: RealtimeAgentOptions): Promise<RunningRealtimeAgent> {
  const stages = new Stages(options.pipeline);
  const pools = { up: new ResamplerPool(REALTIME_PCM_RATE_HZ, SAMPLE_RATE_HZ, FRAME_SAMPLES), down: new ResamplerPool(SAMPLE_RATE_HZ, REALTIME_PCM_RATE_HZ, OUTPUT_FRAME_SAMPLES) };
  await Promise.all([pools.up.warm(), pools.down.warm()]);
  return startAgentSocketServer({
    path: REALTIME_PATH,
    host: options.host,
    port: options.port,
    maxPayloadBytes: MAX_MESSAGE_BYTES,
    onCall: (socket) => new RealtimeConnection(socket, options, stages, pools).run(),
  });
}
