import type { MarkName, MarkRecord } from './marks.js';

/**
 * The critical path of one turn: the ordered stages that stood between the end of the
 * caller's speech and the first audible bot audio. Stages overlap when streaming, so spans do
 * not add up; the waterfall walks this path instead and sums exactly to `v2v`, with every gap
 * between stages shown as `other`, never hidden (DESIGN.md §2).
 */
export const WATERFALL_SEGMENTS = ['endpointing', 'uplink', 'stt', 'llm', 'tts', 'agent', 'downlink', 'playout', 'silence_pad', 'other'] as const;
export type WaterfallSegment = (typeof WATERFALL_SEGMENTS)[number];

interface PathStep {
  segment: Exclude<WaterfallSegment, 'other'>;
  from: MarkName;
  to: MarkName;
}

/** Sequential: each stage finishes before the next starts, and the whole reply travels at once. */
const FULL_PATH: readonly PathStep[] = [
  { segment: 'endpointing', from: 'caller.speech_end', to: 'eou' },
  { segment: 'uplink', from: 'eou', to: 'agent.speech_end_received' },
  { segment: 'stt', from: 'stt.start', to: 'stt.final' },
  { segment: 'llm', from: 'llm.start', to: 'llm.done' },
  { segment: 'tts', from: 'tts.start', to: 'tts.done' },
  { segment: 'downlink', from: 'agent.first_audio_out', to: 'caller.first_audio' },
  { segment: 'playout', from: 'caller.first_audio', to: 'caller.first_audio_played' },
];

/**
 * Streaming: the last speech frame crosses to the agent, whose VAD then waits out the silence;
 * the first phrase gates TTS, and the first synthesized audio gates the caller.
 */
const STREAMING_PATH: readonly PathStep[] = [
  { segment: 'uplink', from: 'caller.speech_end', to: 'agent.speech_end_received' },
  { segment: 'endpointing', from: 'caller.speech_end', to: 'eou' },
  { segment: 'stt', from: 'eou', to: 'stt.final' },
  { segment: 'llm', from: 'llm.start', to: 'llm.first_phrase' },
  { segment: 'tts', from: 'tts.start', to: 'tts.first_audio' },
  { segment: 'downlink', from: 'agent.first_audio_out', to: 'caller.first_audio' },
  { segment: 'playout', from: 'caller.first_audio', to: 'caller.first_audio_played' },
];

/**
 * A target (an agent voicebench did not start): only the caller's instants exist. The agent's
 * end-of-utterance event, where its protocol sends one, closes `endpointing`; everything inside
 * the agent and on the wire until its first audio arrives is `agent`; then the caller's playback
 * queue (`playout`) and the reply's leading silence (`silence_pad`) until it becomes audible.
 */
const TARGET_PATH: readonly PathStep[] = [
  { segment: 'endpointing', from: 'caller.speech_end', to: 'eou' },
  { segment: 'agent', from: 'caller.speech_end', to: 'caller.first_byte' },
  { segment: 'playout', from: 'caller.first_byte', to: 'caller.first_byte_played' },
  { segment: 'silence_pad', from: 'caller.first_byte_played', to: 'caller.first_audio_played' },
];

/**
 * How the bot's answer reaches the caller, which decides its critical path: `sequential` (REST)
 * synthesizes the whole answer before any audio leaves; `streaming` sends audio as it is
 * synthesized, so the first chunk's synthesis gates the caller whatever the chunking policy
 * (with `full` chunking that chunk is the whole answer, handed over at `llm.done`); `target`
 * is an agent seen only from the caller's side.
 */
export type Delivery = 'sequential' | 'streaming' | 'target';

export function criticalPath(delivery: Delivery): readonly PathStep[] {
  switch (delivery) {
    case 'sequential':
      return FULL_PATH;
    case 'streaming':
      return STREAMING_PATH;
    case 'target':
      return TARGET_PATH;
  }
}

export type Waterfall = Record<WaterfallSegment, number>;

export function emptyWaterfall(): Waterfall {
  return Object.fromEntries(WATERFALL_SEGMENTS.map((segment) => [segment, 0])) as Waterfall;
}

/**
 * Walks the critical path from `caller.speech_end` to `caller.first_audio_played`. Each step
 * counts only the time past the previous step's end (overlap is not counted twice); time
 * before a step starts is `other`. Undefined when the turn has no `v2v`.
 */
export function computeWaterfall(marks: MarkRecord, delivery: Delivery): Waterfall | undefined {
  const startMs = marks['caller.speech_end'];
  const endMs = marks['caller.first_audio_played'];
  if (startMs === undefined || endMs === undefined) return undefined;
  const waterfall = emptyWaterfall();
  let cursorMs = startMs;
  for (const step of criticalPath(delivery)) {
    const fromMs = marks[step.from];
    const toMs = marks[step.to];
    if (fromMs === undefined || toMs === undefined) continue;
    const stepStartMs = Math.min(Math.max(fromMs, cursorMs), endMs);
    const stepEndMs = Math.min(Math.max(toMs, stepStartMs), endMs);
    waterfall.other += stepStartMs - cursorMs;
    waterfall[step.segment] += stepEndMs - stepStartMs;
    cursorMs = stepEndMs;
  }
  waterfall.other += endMs - cursorMs;
  return waterfall;
}
