/**
 * Every named instant a turn can carry (DESIGN.md §2). Providers, the agent and the caller
 * only mark these; spans are computed from them in `spans.ts` and nowhere else.
 */
export const MARKS = [
  'caller.speech_start',
  'caller.speech_end',
  'eou',
  'agent.speech_end_received',
  'stt.start',
  'stt.final',
  'llm.start',
  'llm.first_token',
  'llm.first_phrase',
  'llm.done',
  'tts.start',
  'tts.first_audio',
  'tts.done',
  'agent.first_audio_out',
  'caller.first_byte',
  'caller.first_byte_played',
  'caller.first_audio',
  'caller.first_audio_played',
  'caller.bargein_start',
  'agent.bargein_detected',
  'caller.last_bot_audio',
  'caller.connect_start',
  'caller.connected',
] as const;

export type MarkName = (typeof MARKS)[number];

/** A turn's marks in monotonic milliseconds on the host clock. */
export type MarkRecord = Partial<Record<MarkName, number>>;

const MARK_SET: ReadonlySet<string> = new Set(MARKS);

export function isMarkName(name: string): name is MarkName {
  return MARK_SET.has(name);
}

/**
 * Marks the agent may report (everything but the caller's own); `eou` is the agent's when it
 * endpoints. For a target (an agent voicebench did not start) every mark is the caller's:
 * `eou` and `agent.bargein_detected` are the arrival at the caller of the agent's own event
 * (docs/targets.md), never an instant on the agent's clock.
 */
export const AGENT_MARKS: readonly MarkName[] = MARKS.filter((name) => !name.startsWith('caller.'));
