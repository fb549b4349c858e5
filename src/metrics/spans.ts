import type { MarkName, MarkRecord } from './marks.js';

/**
 * The span table of DESIGN.md §2: the only place a latency is defined. Every number in every
 * report, gate and waterfall is one of these, computed from two marks of the same turn.
 */
export interface SpanDefinition {
  name: SpanName;
  from: MarkName;
  to: MarkName;
  meaning: string;
  /** `audio`: not an interval between the two marks but an amount of audio the caller measured (the turn supplies it). */
  kind?: 'audio';
}

export const SPAN_NAMES = [
  'v2v',
  'endpointing',
  'stt',
  'llm.ttft',
  'llm.first_phrase',
  'tts.ttfb',
  'uplink',
  'downlink',
  'playout',
  'response.first_byte',
  'silence_pad',
  'bargein.detect',
  'bargein.stop',
  'bargein.leak',
  'connect',
] as const;

export type SpanName = (typeof SPAN_NAMES)[number];

export const SPANS: readonly SpanDefinition[] = [
  { name: 'v2v', from: 'caller.speech_end', to: 'caller.first_audio_played', meaning: 'voice-to-voice: silence the user actually hears' },
  { name: 'endpointing', from: 'caller.speech_end', to: 'eou', meaning: 'until the user is judged finished' },
  { name: 'stt', from: 'eou', to: 'stt.final', meaning: 'final transcript after end of utterance (REST: includes the upload)' },
  { name: 'llm.ttft', from: 'llm.start', to: 'llm.first_token', meaning: 'LLM first token' },
  { name: 'llm.first_phrase', from: 'llm.start', to: 'llm.first_phrase', meaning: 'first chunk handed to TTS (policy-dependent)' },
  { name: 'tts.ttfb', from: 'tts.start', to: 'tts.first_audio', meaning: 'first synthesized audio' },
  { name: 'uplink', from: 'caller.speech_end', to: 'agent.speech_end_received', meaning: 'last speech across the transport' },
  { name: 'downlink', from: 'agent.first_audio_out', to: 'caller.first_audio', meaning: 'first bot audio across the transport' },
  { name: 'playout', from: 'caller.first_audio', to: 'caller.first_audio_played', meaning: 'playback buffer at the caller' },
  { name: 'response.first_byte', from: 'caller.speech_end', to: 'caller.first_byte', meaning: 'first reply audio received, audible or not' },
  { name: 'silence_pad', from: 'caller.first_byte_played', to: 'caller.first_audio_played', meaning: 'leading silence of the reply as played (TTS padding)' },
  { name: 'bargein.detect', from: 'caller.bargein_start', to: 'agent.bargein_detected', meaning: 'interruption detected (target 50 ms)' },
  { name: 'bargein.stop', from: 'caller.bargein_start', to: 'caller.last_bot_audio', meaning: 'until the bot falls silent, as heard' },
  { name: 'bargein.leak', from: 'caller.bargein_start', to: 'caller.last_bot_audio', meaning: 'bot audio the caller received after bargein_start (ms of audio)', kind: 'audio' },
  { name: 'connect', from: 'caller.connect_start', to: 'caller.connected', meaning: 'call set-up (WebRTC: ICE + DTLS), per connection, never inside a turn' },
];

const SPAN_BY_NAME = new Map(SPANS.map((span) => [span.name, span]));

export function spanDefinition(name: SpanName): SpanDefinition {
  const span = SPAN_BY_NAME.get(name);
  if (!span) throw new Error(`span table has no ${name}`);
  return span;
}

export function isSpanName(name: string): name is SpanName {
  return SPAN_BY_NAME.has(name as SpanName);
}

export type SpanValues = Partial<Record<SpanName, number>>;

/** Every span whose two marks the turn carries, in milliseconds; `audio` spans come from `audioMs`. */
export function computeSpans(marks: MarkRecord, audioMs: SpanValues = {}): SpanValues {
  const values: SpanValues = {};
  for (const span of SPANS) {
    if (span.kind === 'audio') {
      const value = audioMs[span.name];
      if (value !== undefined) values[span.name] = value;
      continue;
    }
    const fromMs = marks[span.from];
    const toMs = marks[span.to];
    if (fromMs !== undefined && toMs !== undefined) values[span.name] = toMs - fromMs;
  }
  return values;
}

/** The human-parity target for `v2v` and the optimum first-audio target (DESIGN.md intro). */
export const V2V_TARGET_MS = 500;
export const V2V_OPTIMUM_MS = 350;
export const BARGEIN_DETECT_TARGET_MS = 50;

/**
 * The spans an agent on another clock can report by itself: both marks its own (no `caller.`
 * mark), each a duration on that one clock. A remote agent's marks go only through this, never
 * into a caller's timeline.
 */
export function computeAgentSpans(agentMarks: MarkRecord): SpanValues {
  const values: SpanValues = {};
  for (const span of SPANS) {
    if (span.kind === 'audio' || span.from.startsWith('caller.') || span.to.startsWith('caller.')) continue;
    const fromMs = agentMarks[span.from];
    const toMs = agentMarks[span.to];
    if (fromMs !== undefined && toMs !== undefined) values[span.name] = toMs - fromMs;
  }
  return values;
}
