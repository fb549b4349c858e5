import { randomBytes } from 'node:crypto';
import type { RealtimeAudioInputTurnDetection, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import { z } from 'zod';
import { DEFAULT_START_THRESHOLD } from '../audio/vad.js';
import { describeZodIssues } from '../errors.js';

/**
 * The OpenAI Realtime stand-in's vocabulary: the client events it validates, the session it
 * reports, and the GA → beta renames. The server event shapes come from the official SDK's types.
 */

/** OpenAI's `audio/pcm`: 24 kHz mono PCM16, little-endian, both ways. */
export const REALTIME_PCM_RATE_HZ = 24_000;

/** OpenAI's server_vad defaults (threshold 0.5, prefix_padding_ms 300, silence_duration_ms 500). */
export const DEFAULT_PREFIX_PADDING_MS = 300;

export type EventNames = 'ga' | 'beta';

/** The GA names that the beta API (before openai-python PR 2714) spelled differently. */
export const BETA_EVENT_NAMES: Readonly<Record<string, string>> = {
  'response.output_audio.delta': 'response.audio.delta',
  'response.output_audio.done': 'response.audio.done',
  'response.output_audio_transcript.delta': 'response.audio_transcript.delta',
  'response.output_audio_transcript.done': 'response.audio_transcript.done',
  'conversation.item.added': 'conversation.item.created',
};

/** An id as OpenAI's look: a prefix, an underscore and 20 characters. */
export function realtimeId(prefix: 'sess' | 'event' | 'item' | 'resp' | 'conv'): string {
  return `${prefix}_${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x')}`;
}

const eventId = z.string().max(200).optional();

const serverVadSchema = z.object({
  type: z.literal('server_vad'),
  threshold: z.number().min(0).max(1).optional(),
  prefix_padding_ms: z.number().int().min(0).max(10_000).optional(),
  silence_duration_ms: z.number().int().min(1).max(60_000).optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
  idle_timeout_ms: z.null().optional(),
});
const semanticVadSchema = z.object({
  type: z.literal('semantic_vad'),
  eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});
const turnDetectionSchema = z.discriminatedUnion('type', [serverVadSchema, semanticVadSchema]).nullable();
const audioFormatSchema = z.object({ type: z.string(), rate: z.number().optional() });
const voiceSchema = z.union([z.string().max(100), z.object({ id: z.string().max(100) })]);

/** GA `session.update`'s session; fields this stand-in does not act on (tools, tracing, …) are accepted and ignored. */
const gaSessionSchema = z.object({
  type: z.literal('realtime'),
  model: z.string().max(200).optional(),
  instructions: z.string().optional(),
  audio: z
    .object({
      input: z.object({ format: audioFormatSchema.optional(), turn_detection: turnDetectionSchema.optional() }).optional(),
      output: z.object({ format: audioFormatSchema.optional(), voice: voiceSchema.optional() }).optional(),
    })
    .optional(),
});

/** The beta shape (no `type`, formats as names, turn_detection at the top), accepted in beta mode only. */
const betaSessionSchema = z.object({
  model: z.string().max(200).optional(),
  instructions: z.string().optional(),
  voice: z.string().max(100).optional(),
  input_audio_format: z.string().optional(),
  output_audio_format: z.string().optional(),
  turn_detection: turnDetectionSchema.optional(),
});

export const realtimeClientEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.update'), event_id: eventId, session: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('input_audio_buffer.append'), event_id: eventId, audio: z.string() }),
  z.object({
    type: z.literal('conversation.item.truncate'),
    event_id: eventId,
    item_id: z.string().max(200),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  z.object({ type: z.literal('response.cancel'), event_id: eventId, response_id: z.string().max(200).optional() }),
  /** Sim-only hint (OpenAI never receives it): as the ws protocol's `turn.start`, just before an utterance's first audio. */
  z.object({
    type: z.literal('voicebench.turn'),
    event_id: eventId,
    turn: z.number().int().min(0),
    transcript: z.string().max(4000).optional(),
    speechEndFrame: z.number().int().min(0).optional(),
  }),
]);
export type RealtimeClientMessage = z.infer<typeof realtimeClientEventSchema>;
export const HANDLED_CLIENT_EVENTS: readonly string[] = realtimeClientEventSchema.options.map((option) => option.shape.type.value);

/** OpenAI client events this stand-in knows but does not implement (it always detects turns and answers them itself). */
export const UNSUPPORTED_CLIENT_EVENTS: readonly string[] = [
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'response.create',
  'conversation.item.create',
  'conversation.item.delete',
  'conversation.item.retrieve',
  'output_audio_buffer.clear',
];

/** The session as this stand-in runs it: what `session.created` / `session.updated` report. */
export interface SessionConfig {
  model: string;
  instructions: string;
  voice: string | { id: string };
  turnDetection: RealtimeAudioInputTurnDetection;
}

export type RealtimeSessionObject = RealtimeSessionCreateRequest & { id: string; object: 'realtime.session' };

export function defaultSessionConfig(silenceTimeoutMs: number): SessionConfig {
  return {
    model: 'gpt-realtime',
    instructions: '',
    voice: 'alloy',
    turnDetection: {
      type: 'server_vad',
      threshold: DEFAULT_START_THRESHOLD,
      prefix_padding_ms: DEFAULT_PREFIX_PADDING_MS,
      silence_duration_ms: silenceTimeoutMs,
      create_response: true,
      interrupt_response: true,
      idle_timeout_ms: null,
    },
  };
}

const PCM_FORMAT = { type: 'audio/pcm', rate: REALTIME_PCM_RATE_HZ } as const;

export function sessionObject(id: string, config: SessionConfig): RealtimeSessionObject {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model: config.model,
    instructions: config.instructions,
    output_modalities: ['audio'],
    audio: {
      input: { format: PCM_FORMAT, turn_detection: config.turnDetection },
      output: { format: PCM_FORMAT, voice: config.voice },
    },
  };
}

/** What a session.update asks for, whichever shape it came in. */
interface RequestedSession {
  model?: string;
  instructions?: string;
  voice?: string | { id: string };
  inputFormat?: string;
  outputFormat?: string;
  turnDetection?: z.infer<typeof turnDetectionSchema>;
}

function requested(session: Record<string, unknown>, names: EventNames): { ok: true; value: RequestedSession } | { ok: false; error: string } {
  if (names === 'beta' && session['type'] === undefined) {
    const parsed = betaSessionSchema.safeParse(session);
    if (!parsed.success) return { ok: false, error: describeZodIssues(parsed.error, 'session.', '(session)') };
    const { model, instructions, voice, input_audio_format: inputFormat, output_audio_format: outputFormat, turn_detection: turnDetection } = parsed.data;
    const betaFormat = (format: string | undefined): string | undefined => (format === 'pcm16' ? 'audio/pcm@24000' : format);
    return { ok: true, value: { model, instructions, voice, inputFormat: betaFormat(inputFormat), outputFormat: betaFormat(outputFormat), turnDetection } };
  }
  const parsed = gaSessionSchema.safeParse(session);
  if (!parsed.success) return { ok: false, error: describeZodIssues(parsed.error, 'session.', '(session)') };
  const { model, instructions, audio } = parsed.data;
  const format = (f: z.infer<typeof audioFormatSchema> | undefined): string | undefined => (f === undefined ? undefined : `${f.type}@${f.rate ?? REALTIME_PCM_RATE_HZ}`);
  return { ok: true, value: { model, instructions, voice: audio?.output?.voice, inputFormat: format(audio?.input?.format), outputFormat: format(audio?.output?.format), turnDetection: audio?.input?.turn_detection } };
}

/** The silence that ends an utterance under `turnDetection`: server_vad's own, or the server's default for semantic_vad. */
export function silenceTimeoutOf(turnDetection: RealtimeAudioInputTurnDetection, defaultMs: number): number {
  return turnDetection.type === 'server_vad' ? (turnDetection.silence_duration_ms ?? defaultMs) : defaultMs;
}

/**
 * The session after `update`, or every reason it cannot be applied (then nothing changes, as
 * with OpenAI). What this stand-in cannot honour is refused rather than echoed: audio other than
 * `audio/pcm` at 24 kHz, turn detection off or not answering, a VAD threshold other than its own,
 * and, once the call has started (`callStarted`), a change of the silence that ends an utterance.
 */
export function applySessionUpdate(
  config: SessionConfig,
  session: Record<string, unknown>,
  names: EventNames,
  call: { started: boolean; defaultSilenceMs: number },
): { ok: true; config: SessionConfig } | { ok: false; param: string; error: string } {
  const parsed = requested(session, names);
  if (!parsed.ok) return { ok: false, param: 'session', error: parsed.error };
  const update = parsed.value;
  const problems: string[] = [];
  let param = 'session';
  const problem = (where: string, message: string): void => {
    if (problems.length === 0) param = where;
    problems.push(`${where}: ${message}`);
  };
  const pcm = `${PCM_FORMAT.type}@${PCM_FORMAT.rate}`;
  if (update.inputFormat !== undefined && update.inputFormat !== pcm) problem('session.audio.input.format', `${update.inputFormat.replace('@', ' at ')} Hz is not supported; this server takes audio/pcm at 24000 Hz`);
  if (update.outputFormat !== undefined && update.outputFormat !== pcm) problem('session.audio.output.format', `${update.outputFormat.replace('@', ' at ')} Hz is not supported; this server sends audio/pcm at 24000 Hz`);
  let turnDetection = config.turnDetection;
  const wanted = update.turnDetection;
  if (wanted === null) problem('session.audio.input.turn_detection', 'null (turns committed by the client) is not supported; this server always detects turns (server_vad or semantic_vad)');
  else if (wanted !== undefined) {
    if (wanted.create_response === false || wanted.interrupt_response === false) problem('session.audio.input.turn_detection', 'create_response and interrupt_response must stay true: this server always answers and can always be interrupted');
    if (wanted.type === 'server_vad') {
      if (wanted.threshold !== undefined && wanted.threshold !== DEFAULT_START_THRESHOLD) problem('session.audio.input.turn_detection.threshold', `this server's VAD threshold is fixed at ${DEFAULT_START_THRESHOLD}, got ${wanted.threshold}`);
      const previous = config.turnDetection.type === 'server_vad' ? config.turnDetection : undefined;
      turnDetection = {
        type: 'server_vad',
        threshold: DEFAULT_START_THRESHOLD,
        prefix_padding_ms: wanted.prefix_padding_ms ?? previous?.prefix_padding_ms ?? DEFAULT_PREFIX_PADDING_MS,
        silence_duration_ms: wanted.silence_duration_ms ?? previous?.silence_duration_ms ?? call.defaultSilenceMs,
        create_response: true,
        interrupt_response: true,
        idle_timeout_ms: null,
      };
    } else {
      turnDetection = { type: 'semantic_vad', eagerness: wanted.eagerness ?? 'auto', create_response: true, interrupt_response: true };
    }
    if (call.started && silenceTimeoutOf(turnDetection, call.defaultSilenceMs) !== silenceTimeoutOf(config.turnDetection, call.defaultSilenceMs)) {
      problem('session.audio.input.turn_detection', 'the silence that ends an utterance cannot change once audio has been appended: set it in the first session.update');
    }
  }
  if (problems.length > 0) return { ok: false, param, error: problems.join('; ') };
  return {
    ok: true,
    config: {
      model: update.model ?? config.model,
      instructions: update.instructions ?? config.instructions,
      voice: update.voice ?? config.voice,
      turnDetection,
    },
  };
}
