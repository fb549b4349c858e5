import { z } from 'zod';

/**
 * The server events of the OpenAI Realtime API a client reads (developers.openai.com, realtime
 * server events; the GA names, and the beta names still met in the wild: openai-python PR 2714).
 * The events voicebench acts on are checked for the fields it reads; the others it knows by
 * name and lets pass, as a Realtime app does; a name in neither list is a protocol error.
 */

/** Beta names and the GA names they became. */
export const BETA_EVENT_NAMES: Readonly<Record<string, string>> = {
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio.done': 'response.output_audio.done',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
  'response.audio_transcript.done': 'response.output_audio_transcript.done',
  'response.text.delta': 'response.output_text.delta',
  'response.text.done': 'response.output_text.done',
  'conversation.item.created': 'conversation.item.added',
};

/** Server events a client may meet and need not act on. */
export const PASSED_EVENTS: ReadonlySet<string> = new Set([
  'session.created',
  'session.updated',
  'conversation.created',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.deleted',
  'conversation.item.retrieved',
  'conversation.item.truncated',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.failed',
  'conversation.item.input_audio_transcription.segment',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'input_audio_buffer.timeout_triggered',
  'input_audio_buffer.dtmf_event_received',
  'output_audio_buffer.started',
  'output_audio_buffer.stopped',
  'output_audio_buffer.cleared',
  'rate_limits.updated',
  'response.created',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.in_progress',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
  'mcp_list_tools.in_progress',
  'mcp_list_tools.completed',
  'mcp_list_tools.failed',
]);

/** The events the client acts on, with the fields it reads (others are let through). */
export const actedOnSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_audio_buffer.speech_started'), item_id: z.string().optional(), audio_start_ms: z.number().optional() }),
  z.object({ type: z.literal('input_audio_buffer.speech_stopped'), item_id: z.string().optional(), audio_end_ms: z.number().optional() }),
  z.object({ type: z.literal('response.output_audio.delta'), response_id: z.string(), item_id: z.string(), delta: z.string() }),
  z.object({ type: z.literal('response.output_audio_transcript.delta'), response_id: z.string().optional(), delta: z.string() }),
  z.object({ type: z.literal('response.done'), response: z.object({ id: z.string().optional(), status: z.string().optional() }) }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string().optional(), code: z.string().nullable().optional(), message: z.string() }) }),
]);
export type ActedOn = z.infer<typeof actedOnSchema>;
export const ACTED_ON: ReadonlySet<string> = new Set(actedOnSchema.options.map((option) => option.shape.type.value));

/** A server event by its GA name (beta names renamed), or undefined when it is none the client knows. */
export function gaName(type: string): string | undefined {
  const renamed = BETA_EVENT_NAMES[type] ?? type;
  return ACTED_ON.has(renamed) || PASSED_EVENTS.has(renamed) ? renamed : undefined;
}
