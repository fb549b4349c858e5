import { z } from 'zod';
import { FRAME_MS, FRAME_SAMPLES, littleEndianFrom, SAMPLE_RATE_HZ, samplesFromLittleEndian } from '../audio/pcm.js';
import type { AgentEvent } from '../agent/events.js';
import { describeZodIssues } from '../errors.js';

/**
 * The streaming protocol's messages (docs/protocol-ws.md): JSON text messages for control and
 * events, binary messages for audio. One schema per direction; both sides validate what they
 * receive, so a malformed message is a clear protocol error, never a crash.
 */
export const STREAM_PROTOCOL = 'voicebench.stream.v1';

/** Audio in both directions: 16 kHz mono signed 16-bit little-endian PCM, one 20 ms frame per binary message. */
export const STREAM_AUDIO = { encoding: 'pcm_s16le', sampleRateHz: SAMPLE_RATE_HZ, channels: 1, frameMs: FRAME_MS } as const;
export const FRAME_BYTES = FRAME_SAMPLES * 2;

/** Longest text message either side accepts (a transcript hint, a reply with its marks). */
export const MAX_TEXT_MESSAGE_BYTES = 64 * 1024;

const audioFormat = z.strictObject({
  encoding: z.string(),
  sampleRateHz: z.number(),
  channels: z.number(),
  frameMs: z.number().optional(),
});

export const callerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('session.start'), protocol: z.literal(STREAM_PROTOCOL).optional(), call: z.string().max(200).optional(), audio: audioFormat }),
  z.strictObject({
    type: z.literal('turn.start'),
    turn: z.number().int().min(0),
    transcript: z.string().max(4000).optional(),
    speechEndFrame: z.number().int().min(0).optional(),
  }),
  z.strictObject({ type: z.literal('ping'), id: z.union([z.string().max(100), z.number()]) }),
  z.strictObject({ type: z.literal('session.end') }),
]);
export type CallerMessage = z.infer<typeof callerMessageSchema>;

const markRecord = z.record(z.string(), z.number());

export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.ready'), protocol: z.string(), audio: audioFormat }),
  z.object({ type: z.literal('pong'), id: z.union([z.string(), z.number()]) }),
  z.object({ type: z.literal('vad'), state: z.enum(['speech_start', 'speech_end', 'eou']), turn: z.number() }),
  z.object({ type: z.literal('transcript.partial'), turn: z.number(), text: z.string() }),
  z.object({ type: z.literal('transcript.final'), turn: z.number(), text: z.string() }),
  z.object({ type: z.literal('response.start'), turn: z.number() }),
  z.object({ type: z.literal('response.text'), turn: z.number(), text: z.string(), audioStartMs: z.number().min(0) }),
  z.object({ type: z.literal('audio.pause'), turn: z.number() }),
  z.object({ type: z.literal('audio.resume'), turn: z.number() }),
  z.object({
    type: z.literal('response.interrupted'),
    turn: z.number(),
    reply: z.string(),
    heardMs: z.number().min(0),
    chunks: z.array(z.object({ text: z.string(), audioMs: z.number().min(0) })).max(1000),
    marks: markRecord,
  }),
  z.object({
    type: z.literal('response.done'),
    turn: z.number(),
    reply: z.string(),
    marks: markRecord,
    audioMs: z.number().min(0).optional(),
    contextInterrupted: z.string().optional(),
  }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), turn: z.number().optional(), stage: z.string().optional(), errorClass: z.string().optional() }),
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

export type SessionReady = { type: 'session.ready'; protocol: string; audio: typeof STREAM_AUDIO };
export type AgentWireMessage = AgentEvent | SessionReady | { type: 'pong'; id: string | number };

/** Parses one JSON text message against `schema`; the error says what was wrong and where. */
export function parseMessage<T>(text: string, schema: z.ZodType<T>): { ok: true; message: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)}): ${text.slice(0, 80)}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, error: describeZodIssues(parsed.error, '', '(message)') };
}

/** What is wrong with a declared audio format, or undefined when it is the one the protocol carries. */
export function audioFormatProblem(audio: z.infer<typeof audioFormat>): string | undefined {
  const problems: string[] = [];
  if (audio.encoding !== STREAM_AUDIO.encoding) problems.push(`audio.encoding: expected "${STREAM_AUDIO.encoding}", got ${JSON.stringify(audio.encoding)}`);
  if (audio.sampleRateHz !== STREAM_AUDIO.sampleRateHz) problems.push(`audio.sampleRateHz: expected ${STREAM_AUDIO.sampleRateHz}, got ${audio.sampleRateHz}`);
  if (audio.channels !== STREAM_AUDIO.channels) problems.push(`audio.channels: expected ${STREAM_AUDIO.channels}, got ${audio.channels}`);
  if (audio.frameMs !== undefined && audio.frameMs !== STREAM_AUDIO.frameMs) problems.push(`audio.frameMs: expected ${STREAM_AUDIO.frameMs}, got ${audio.frameMs}`);
  return problems.length > 0 ? `${problems.join('; ')} (this agent takes 16 kHz mono PCM16 in 20 ms frames; resample on the client)` : undefined;
}

/** A binary message as one frame of samples, or what is wrong with it. */
export function decodeFrame(data: Buffer): { ok: true; frame: Int16Array } | { ok: false; error: string } {
  if (data.length !== FRAME_BYTES) {
    return { ok: false, error: `audio message of ${data.length} bytes; expected ${FRAME_BYTES} (one 20 ms frame of 16 kHz mono PCM16)` };
  }
  return { ok: true, frame: samplesFromLittleEndian(data) };
}

/** One frame as the bytes of a binary message (little-endian whatever the host); shares the frame's memory on little-endian hosts, so do not reuse the frame. */
export function encodeFrame(frame: Int16Array): Buffer {
  return littleEndianFrom(frame);
}
