import type { ChatMessage } from '../providers/types.js';
import type { SpokenChunk } from './truncation.js';

export const SYSTEM_PROMPT = 'You are a helpful, concise voice assistant on a phone call. Answer in one or two short sentences.';

/** The LLM context of one call: what the user said and what the bot actually got to say. */
export class Conversation {
  readonly #messages: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }];
  /** How the last answer was spoken, for truncating it when the caller reports an interruption later (REST). */
  lastSpoken: SpokenChunk[] = [];

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  addUser(content: string): void {
    this.#messages.push({ role: 'user', content });
  }

  addAssistant(content: string): void {
    this.#messages.push({ role: 'assistant', content });
  }

  /**
   * The user barged in: the answer in progress is kept only as far as it was heard, flagged
   * interrupted, so the next LLM request knows what the caller actually got. Replaces the
   * answer when it was already recorded whole (the caller was still playing its tail).
   */
  interruptAssistant(heardContent: string): void {
    const last = this.#messages.at(-1);
    if (last?.role === 'assistant' && !last.interrupted) this.#messages.pop();
    this.#messages.push({ role: 'assistant', content: heardContent, interrupted: true });
  }

  /** The interrupted answer the next LLM request carries, if the last assistant message is one. */
  get pendingInterruption(): string | undefined {
    const lastAssistant = [...this.#messages].reverse().find((message) => message.role === 'assistant');
    return lastAssistant?.interrupted ? lastAssistant.content : undefined;
  }
}

/** Conversations by call id, oldest dropped past `maxCalls` so a long-lived agent stays bounded. */
export class ConversationStore {
  readonly #byCall = new Map<string, Conversation>();

  constructor(private readonly maxCalls = 1000) {}

  get(callId: string): Conversation {
    let conversation = this.#byCall.get(callId);
    if (!conversation) {
      conversation = new Conversation();
      this.#byCall.set(callId, conversation);
      if (this.#byCall.size > this.maxCalls) {
        const oldest = this.#byCall.keys().next().value;
        if (oldest !== undefined) this.#byCall.delete(oldest);
      }
    }
    return conversation;
  }
}
