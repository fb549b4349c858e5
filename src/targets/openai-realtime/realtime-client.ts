import type { ConversationItemTruncateEvent, InputAudioBufferAppendEvent, RealtimeAudioInputTurnDetection, SessionUpdateEvent } from 'openai/resources/realtime/realtime';
import type { RawData, WebSocket } from 'ws';
import { littleEndianFrom, SAMPLE_RATE_HZ, samplesFromLittleEndian } from '../../audio/pcm.js';
import { StreamResampler } from '../../audio/stream-resampler.js';
import { lastSpeechFrame } from '../../caller/replay.js';
import type { Speaker, TargetLink, TargetListener } from '../../caller/target-link.js';
import type { RealtimeSettings, RealtimeTurnDetection } from '../../config/target-config.js';
import { describeZodIssues, TransportError } from '../../errors.js';
import type { Clock } from '../../metrics/clock.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { toBuffer } from '../../transports/ws/raw-data.js';
import { closedError, closeSocket, jsonTextFrame, type Dialled, type Inbox } from '../dial.js';
import { To16k } from '../pcm-stream.js';
import { actedOnSchema, ACTED_ON, gaName, type ActedOn } from './realtime-events.js';

/** GA `audio/pcm` is 24 kHz mono PCM16 only. */
export const REALTIME_RATE_HZ = 24_000;
const FRAME_SAMPLES_24K = REALTIME_RATE_HZ / 50;
/** The server must create the session and accept its configuration within this. */
const SESSION_TIMEOUT_MS = 10_000;

function turnDetection(setting: RealtimeTurnDetection): RealtimeAudioInputTurnDetection {
  // the server answers and interrupts on its own VAD: what a voice app leaves on
  if (setting.type === 'semantic_vad') return { type: 'semantic_vad', create_response: true, interrupt_response: true, ...(setting.eagerness ? { eagerness: setting.eagerness } : {}) };
  return {
    type: 'server_vad',
    create_response: true,
    interrupt_response: true,
    ...(setting.threshold === undefined ? {} : { threshold: setting.threshold }),
    ...(setting.prefixPaddingMs === undefined ? {} : { prefix_padding_ms: setting.prefixPaddingMs }),
    ...(setting.silenceDurationMs === undefined ? {} : { silence_duration_ms: setting.silenceDurationMs }),
  };
}

/** The GA session.update a voice app sends: 24 kHz PCM both ways and the turn detection asked for. */
export function sessionUpdate(settings: RealtimeSettings): SessionUpdateEvent {
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      output_modalities: ['audio'],
      ...(settings.instructions === undefined ? {} : { instructions: settings.instructions }),
      audio: {
        input: { format: { type: 'audio/pcm', rate: REALTIME_RATE_HZ }, turn_detection: turnDetection(settings.turnDetection) },
        output: { format: { type: 'audio/pcm', rate: REALTIME_RATE_HZ }, ...(settings.voice === undefined ? {} : { voice: settings.voice }) },
      },
    },
  };
}

/** The first JSON events of a new connection, until `until` says the session is ready. */
async function awaitEvent({ socket, inbox }: Dialled, clock: Clock, what: string, accept: (event: { type: string; error?: { message?: string } }) => boolean, signal: AbortSignal): Promise<void> {
  const timeout = new AbortController();
  const onAbort = (): void => timeout.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const onMessage = (data: RawData): void => {
        let event: { type?: unknown; error?: { message?: string } };
        try {
          event = JSON.parse(toBuffer(data).toString('utf8')) as typeof event;
        } catch {
          finish(new TransportError(`the agent's first message is not JSON; expected ${what}`));
          return;
        }
        if (event.type === 'error') finish(new TransportError(`the agent refused the session: ${event.error?.message ?? JSON.stringify(event)}`));
        else if (typeof event.type === 'string' && accept(event as { type: string })) finish();
      };
      const onClose = (code: number, reason: Buffer): void => finish(closedError(code, reason));
      const finish = (err?: Error): void => {
        inbox.read(undefined);
        socket.off('close', onClose);
        timeout.abort();
        if (err) reject(err);
        else resolve();
      };
      inbox.read(onMessage);
      socket.once('close', onClose);
      clock.sleep(SESSION_TIMEOUT_MS, timeout.signal).then(
        () => finish(new TransportError(`the agent sent no ${what} within ${SESSION_TIMEOUT_MS / 1000} s`)),
        () => (signal.aborted ? finish(signal.reason instanceof Error ? signal.reason : new Error('aborted')) : undefined),
      );
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * voicebench as a Realtime app over WebSocket (GA shape; beta event names understood too):
 * `session.update` with 24 kHz PCM and the configured turn detection, the microphone as
 * `input_audio_buffer.append` every 20 ms in real time, the reply played from a buffer as it
 * arrives (servers send audio ahead of real time). On barge-in it does what a client app does:
 * when `input_audio_buffer.speech_started` comes while the reply plays, it stops its own
 * playback and sends `conversation.item.truncate` with the `audio_end_ms` it actually played;
 * what arrives later of that item is not played.
 */
export class RealtimeClient implements TargetLink {
  #listener: TargetListener | undefined;
  #speaker: Speaker | undefined;
  #playingItem: string | undefined;
  #responseId: string | undefined;
  readonly #truncated = new Set<string>();

  private constructor(
    private readonly socket: WebSocket,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly hints: boolean,
    private readonly up: StreamResampler,
    private readonly down: To16k,
  ) {}

  /** Waits for `session.created`, configures the session and waits for `session.updated`. */
  static async start(dialled: Dialled, clock: Clock, settings: RealtimeSettings, hints: boolean, signal: AbortSignal): Promise<RealtimeClient> {
    await awaitEvent(dialled, clock, 'session.created', (event) => event.type === 'session.created', signal);
    const updated = awaitEvent(dialled, clock, 'session.updated', (event) => event.type === 'session.updated', signal);
    dialled.socket.send(JSON.stringify(sessionUpdate(settings)));
    await updated;
    const up = await StreamResampler.create(SAMPLE_RATE_HZ, REALTIME_RATE_HZ, FRAME_SAMPLES_24K);
    return new RealtimeClient(dialled.socket, dialled.inbox, clock, hints, up, await To16k.create(REALTIME_RATE_HZ));
  }

  private send(event: InputAudioBufferAppendEvent | ConversationItemTruncateEvent | Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(event));
  }

  sendFrame(frame: Int16Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    for (const resampled of this.up.push(frame)) this.send({ type: 'input_audio_buffer.append', audio: littleEndianFrom(resampled).toString('base64') });
  }

  announce(turn: number, utterance: Utterance): void {
    // sim-only: voicebench serve's stand-in reads it; OpenAI would answer it with an error event
    if (this.hints) this.send({ type: 'voicebench.turn', turn, transcript: utterance.transcript, speechEndFrame: lastSpeechFrame(utterance.speechEndMs) });
  }

  listen(listener: TargetListener, speaker: Speaker): void {
    this.#listener = listener;
    this.#speaker = speaker;
    this.inbox.read((data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', (code, reason) => listener.closed(closedError(code, reason)));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const arrivalMs = this.clock.nowMs();
    const listener = this.#listener;
    if (!listener) return;
    const frame = jsonTextFrame(data, isBinary, 'Realtime events are JSON text');
    if ('problem' in frame) {
      listener.protocolError(frame.problem);
      return;
    }
    const { json } = frame;
    const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') {
      listener.protocolError(`an event without a "type": ${JSON.stringify(json).slice(0, 80)}`);
      return;
    }
    const name = gaName(type);
    if (name === undefined) {
      listener.protocolError(`an unknown server event "${type}"`);
      return;
    }
    if (!ACTED_ON.has(name)) return;
    const parsed = actedOnSchema.safeParse({ ...(json as object), type: name });
    if (!parsed.success) {
      listener.protocolError(`${type}: ${describeZodIssues(parsed.error, '', '(event)')}`);
      return;
    }
    this.onEvent(parsed.data, arrivalMs, listener);
  }

  private onEvent(event: ActedOn, arrivalMs: number, listener: TargetListener): void {
    switch (event.type) {
      case 'input_audio_buffer.speech_started':
        this.onSpeechStarted(arrivalMs, listener);
        return;
      case 'input_audio_buffer.speech_stopped':
        listener.endOfUtterance(arrivalMs);
        return;
      case 'response.output_audio.delta': {
        if (this.#truncated.has(event.item_id)) return; // the client stopped playing this item
        const bytes = Buffer.from(event.delta, 'base64');
        if (bytes.length % 2 !== 0) {
          listener.protocolError(`response.output_audio.delta of ${bytes.length} bytes: audio/pcm has 2 bytes per sample`);
          return;
        }
        if (event.response_id !== this.#responseId) {
          this.#responseId = event.response_id;
          this.down.reset();
        }
        this.#playingItem = event.item_id;
        listener.audio(this.down.push(samplesFromLittleEndian(bytes)), arrivalMs, event.response_id);
        return;
      }
      case 'response.output_audio_transcript.delta':
        listener.replyText(event.delta, event.response_id);
        return;
      case 'response.done': {
        const status = event.response.status;
        if (status === 'failed') listener.protocolError(`the response failed (response.done status failed)`);
        listener.responseDone(arrivalMs, status === 'cancelled' || status === 'incomplete', event.response.id);
        return;
      }
      case 'error':
        listener.protocolError(`the agent reported ${event.error.type ?? 'an error'}${event.error.code ? ` (${event.error.code})` : ''}: ${event.error.message}`);
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled Realtime event ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The user spoke while the reply plays: a client app stops its playback and tells the server what was heard. */
  private onSpeechStarted(arrivalMs: number, listener: TargetListener): void {
    const speaker = this.#speaker;
    const item = this.#playingItem;
    if (!speaker || item === undefined || !speaker.playing(arrivalMs) || this.#truncated.has(item)) return;
    const playedMs = Math.floor(speaker.playedMs(arrivalMs));
    speaker.drop(arrivalMs);
    this.#truncated.add(item);
    this.send({ type: 'conversation.item.truncate', item_id: item, content_index: 0, audio_end_ms: playedMs });
    listener.interruption(arrivalMs);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === this.socket.OPEN) await closeSocket(this.socket, this.clock);
    else this.socket.terminate();
    this.up.close();
    this.down.close();
  }
}
