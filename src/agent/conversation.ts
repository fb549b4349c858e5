import type { ChatMessage } from '../providers/types.js';

export const SYSTEM_PROMPT = 'You are a helpful, concise voice assistant on a phone call. Answer in one or two short sentences.';

/** The LLM context of one call: what the user said and what the bot actually got to say. */
export class Conversation {
  readonly #messages: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }];

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  addUser(content: string): void {
    this.#messages.push({ role: 'user', content });
  }

  /** `interrupted` marks a reply cut short by barge-in; `content` must be what was actually sent. */
  addAssistant(content: string, interrupted = false): void {
    this.#messages.push(interrupted ? { role: 'assistant', content, interrupted } : { role: 'assistant', content });
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
