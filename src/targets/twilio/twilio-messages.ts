import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Twilio Media Streams as the agent speaks it to Twilio (twilio.com/docs/voice/media-streams/
 * websocket-messages, "WebSocket messages to Twilio"): JSON text frames with `event` `media`,
 * `mark` or `clear`, each naming the stream. What Twilio sends the agent is built in
 * twilio-client.ts. Every message from the agent is checked here; anything else is a protocol
 * error naming the message.
 */
const streamSid = z.string().min(1);

export const agentToTwilioSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('media'), streamSid, media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('mark'), streamSid, mark: z.object({ name: z.string().min(1).max(1000) }) }),
  z.object({ event: z.literal('clear'), streamSid }),
]);
export type AgentToTwilio = z.infer<typeof agentToTwilioSchema>;

/** Base64 as Twilio takes it: standard alphabet, padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(text: string): boolean {
  return BASE64.test(text);
}

/** Twilio's ids: a two-letter prefix and 32 hex digits (streams MZ, calls CA, accounts AC). */
export function twilioSid(prefix: 'MZ' | 'CA' | 'AC'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}
