import type { ChatMessage, LlmProvider, TurnHints } from '../types.js';
import { replyFor, tokenize } from './replies.js';
import { SimStage } from './sim-stage.js';

/**
 * Streams a canned reply token by token on a drift-free schedule: the first token after the
 * sampled time-to-first-token, the rest at the sampled decode speed, or stretched so the last
 * arrives at the sampled completion time when the profile gives one.
 */
export class SimLlm extends SimStage implements LlmProvider {
  async *stream(messages: readonly ChatMessage[], hints: TurnHints, signal: AbortSignal): AsyncIterable<string> {
    const startMs = hints.receivedAtMs ?? this.clock.nowMs();
    const { llm } = this.profile;
    const turn = hints.turnIndex;
    const tokens = tokenize(replyFor(messages));
    const coldMs = this.takeColdStartMs();
    const ttftMs = llm.rttMs + coldMs + this.sampler.sampleMs(llm.ttft, 'llm.ttft', turn);
    let spacingMs = 1000 / this.sampler.sampleMs(llm.tokensPerSecond, 'llm.tps', turn);
    if (llm.completion && tokens.length > 1) {
      const completionMs = Math.max(ttftMs, llm.rttMs + coldMs + this.sampler.sampleMs(llm.completion, 'llm.completion', turn));
      spacingMs = (completionMs - ttftMs) / (tokens.length - 1);
    }
    for (const [index, token] of tokens.entries()) {
      await this.clock.sleepUntil(startMs + ttftMs + index * spacingMs, signal);
      yield token;
    }
  }
}
