import { truncationMatches, type SpokenChunk } from '../agent/truncation.js';
import type { SpanValues } from '../metrics/spans.js';
import type { Timeline } from '../metrics/timeline.js';
import type { Utterance } from '../scenarios/utterance.js';

/** Speech the caller starts over the bot's answer (a scenario turn's `bargeIn`). */
export interface BargeInPlan {
  utterance: Utterance;
  /** Start this long after the bot's first audible audio played at the caller… */
  afterBotAudioMs?: number;
  /** …or once the bot's Nth word has played (words spread evenly over each chunk's audio). */
  afterBotWords?: number;
  /** `continue`: a backchannel, which must not interrupt. */
  expect: 'interrupt' | 'continue';
}

/** One scripted turn: what the caller says, and what it may say over the answer. */
export interface PlannedTurn {
  utterance: Utterance;
  pauseBeforeMs: number;
  bargeIn?: BargeInPlan;
}

/** What happened when the caller spoke over the bot, judged against what was expected. */
export interface BargeInOutcome {
  utterance: string;
  expect: 'interrupt' | 'continue';
  /** The caller spoke over the bot (false when the answer ended before the barge-in point). */
  spoken: boolean;
  /** The agent cut its answer short. */
  interrupted: boolean;
  /** Onsets the agent paused for and then resumed (speech too short to interrupt). */
  falseInterruptions: number;
  /** How long the bot's audio was held by those pauses, in total. */
  pausedMs: number;
  /** Bot audio the caller played before the bot fell silent (the whole answer when not interrupted). */
  heardMs: number;
  /** The answer as far as it was heard, as the agent kept it in its context. */
  truncated?: string;
  /** The interrupted answer the next LLM request carried, as the agent reported it. */
  contextInterrupted?: string;
  /** True when everything expected held; otherwise `problems` says what did not. */
  correct: boolean;
  problems: string[];
}

/** A turn as the caller measured it. */
export interface TurnResult {
  utterance: Utterance;
  timeline: Timeline;
  reply: string;
  bargeIn?: BargeInOutcome;
  /** Audio the caller received after it started speaking over the bot (`bargein.leak`). */
  bargeInLeakMs?: number;
  /** This turn's utterance interrupted the previous turn's answer. */
  interrupting?: boolean;
  /**
   * Durations an agent on another clock reported (a voicebench target's stage spans), each
   * between two of its own marks: never a difference across the two clocks.
   */
  agentSpans?: SpanValues;
}

/** Where the bot's Nth word ends, in ms of the answer's audio, or undefined until it is known. */
export function wordEndMs(chunks: readonly { text: string; audioStartMs: number }[], totalAudioMs: number | undefined, word: number): number | undefined {
  let before = 0;
  for (const [index, chunk] of chunks.entries()) {
    const words = chunk.text.split(/\s+/).filter((w) => w.length > 0).length;
    if (word <= before + words) {
      const endMs = chunks[index + 1]?.audioStartMs ?? totalAudioMs;
      if (endMs === undefined) return undefined;
      return chunk.audioStartMs + ((word - before) / words) * (endMs - chunk.audioStartMs);
    }
    before += words;
  }
  return undefined;
}

export type BargeInFacts = Omit<BargeInOutcome, 'correct' | 'problems'>;

/**
 * The correctness verdict (DESIGN.md §2). An interruption is correct when the agent cut the
 * answer short, the next LLM request carried it flagged interrupted, and what it kept matches
 * the audio the caller heard within one chunk (`chunks`: the answer's chunks as the agent spoke
 * them). A backchannel is correct when the answer went on to its end.
 */
export function judgeBargeIn(facts: BargeInFacts, chunks: readonly SpokenChunk[]): BargeInOutcome {
  const problems: string[] = [];
  if (!facts.spoken) problems.push('the answer ended before the barge-in point: nothing was spoken over the bot');
  else if (facts.expect === 'continue') {
    if (facts.interrupted) problems.push('the backchannel interrupted the bot');
  } else if (!facts.interrupted) {
    problems.push('the agent did not stop: the answer played on to its end');
  } else {
    if (facts.contextInterrupted === undefined) problems.push("the next LLM request did not carry the interrupted answer flagged as interrupted");
    else if (facts.truncated !== undefined && facts.contextInterrupted !== facts.truncated) problems.push(`the next LLM request carried "${facts.contextInterrupted}", not the truncation "${facts.truncated}"`);
    const match = truncationMatches(chunks, facts.heardMs, facts.truncated ?? '');
    if (!match.ok) problems.push(`the context kept "${facts.truncated ?? ''}" but the caller heard ${facts.heardMs.toFixed(0)} ms: "${match.expected}" (more than one chunk apart)`);
  }
  return { ...facts, correct: problems.length === 0, problems };
}

/** What the caller saw of a target's answer when it spoke over it (caller-side only). */
export interface TargetBargeInFacts {
  utterance: string;
  expect: 'interrupt' | 'continue';
  spoken: boolean;
  /** The agent's sign that it noticed (Twilio clear, a Realtime speech_started the client stopped for, a cancelled response) arrived. */
  signalled: boolean;
  /** After that sign the same answer's audio came again (it paused, then spoke on). */
  resumed: boolean;
  heardMs: number;
}

/**
 * The verdict for a target: only what the caller can see. An interruption is correct when the
 * agent signalled it and its answer did not go on; a backchannel when it did go on. Whether the
 * agent's context kept the answer as heard is not visible from outside.
 */
export function judgeTargetBargeIn(facts: TargetBargeInFacts): BargeInOutcome {
  const interrupted = facts.signalled && !facts.resumed;
  const problems: string[] = [];
  if (!facts.spoken) problems.push('the answer ended before the barge-in point: nothing was spoken over the bot');
  else if (facts.expect === 'continue') {
    if (interrupted) problems.push('the backchannel interrupted the bot');
  } else if (!interrupted) {
    problems.push(facts.signalled ? 'the bot stopped, then spoke on over the caller' : 'the agent did not stop: its answer played on');
  }
  return {
    utterance: facts.utterance,
    expect: facts.expect,
    spoken: facts.spoken,
    interrupted,
    falseInterruptions: facts.signalled && facts.resumed ? 1 : 0,
    pausedMs: 0,
    heardMs: facts.heardMs,
    correct: problems.length === 0,
    problems,
  };
}
