import type { ChatMessage } from '../types.js';

/**
 * What the sim LLM says: a plausible voice-agent reply chosen by keywords in the caller's last
 * message. The set is fixed so the sim TTS can render every reply before the run starts.
 */
interface ReplyRule {
  keywords: readonly string[];
  reply: string;
}

const RULES: readonly ReplyRule[] = [
  { keywords: ['table', 'book', 'reservation', 'dinner'], reply: 'Sure, I can book that for you. What name should I put the reservation under?' },
  { keywords: ['refund', 'return', 'money back'], reply: 'I am sorry about that. I have started the refund, and you should see it within five business days.' },
  { keywords: ['password', 'log in', 'login', 'account'], reply: 'No problem. I just sent a reset link to the email on your account. It expires in one hour.' },
  { keywords: ['burger', 'burgers', 'fries', 'drink', 'combo', 'order'], reply: 'Got it. Anything else with your order? Your total so far is eleven dollars and forty cents.' },
  { keywords: ['reschedule', 'appointment', 'move'], reply: 'Okay. The next opening is Thursday at ten in the morning. Does that work for you?' },
  { keywords: ['package', 'delivery', 'tracking', 'arrive'], reply: 'Your package is out for delivery today and should arrive before six in the evening.' },
  { keywords: ['bill', 'charge', 'invoice', 'charged'], reply: 'I see the charge. It looks like a duplicate, so I have reversed it for you.' },
  { keywords: ['no'], reply: 'All right. Is there anything else I can help you with today?' },
  { keywords: ['yes', 'yeah', 'sure'], reply: 'Great, you are all set. Have a wonderful day!' },
];

export const FALLBACK_REPLY = 'Thanks for calling. Could you tell me a little more about what you need?';

export const ALL_REPLIES: readonly string[] = [...RULES.map((rule) => rule.reply), FALLBACK_REPLY];

function mentions(text: string, keyword: string): boolean {
  return new RegExp(`\\b${keyword}\\b`, 'i').test(text);
}

export function replyFor(messages: readonly ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const text = lastUser?.content ?? '';
  return RULES.find((rule) => rule.keywords.some((keyword) => mentions(text, keyword)))?.reply ?? FALLBACK_REPLY;
}

/** Word-level tokens with their leading space, as chat APIs stream them ("Sure," " I" " can"). */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}
