import type { Timeline } from '../metrics/timeline.js';
import type { TurnHints } from '../providers/types.js';
import type { Conversation } from './conversation.js';
import type { Stages } from './stages.js';

export interface TurnReply {
  transcript: string;
  reply: string;
  audio: Int16Array;
}

function concat(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * The `full` chunking policy, the sequential architecture: batch STT, then the whole
 * completion, then the whole synthesis. The first (and only) phrase handed to TTS is the
 * complete answer, so `llm.first_phrase` is marked when the completion ends.
 */
export async function respondFull(
  stages: Stages,
  conversation: Conversation,
  pcm: Int16Array,
  hints: TurnHints,
  timeline: Timeline,
  signal: AbortSignal,
): Promise<TurnReply> {
  const transcript = await stages.transcribe(pcm, hints, timeline, signal);
  conversation.addUser(transcript);
  let reply = '';
  for await (const token of stages.reply(conversation.messages, hints, timeline, signal)) reply += token;
  reply = reply.trim();
  timeline.mark('llm.first_phrase');
  const chunks: Int16Array[] = [];
  if (reply.length > 0) {
    for await (const chunk of stages.speak(reply, hints, timeline, signal)) chunks.push(chunk);
  }
  stages.speechDone(timeline);
  conversation.addAssistant(reply);
  return { transcript, reply, audio: concat(chunks) };
}
