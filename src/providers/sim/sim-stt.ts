import { samplesToMs } from '../../audio/pcm.js';
import type { SttProvider, SttStream, TurnHints } from '../types.js';
import { tokenize } from './replies.js';
import { SimStage } from './sim-stage.js';

/** Streaming partials reveal about one word per this much pushed audio (a relaxed speaking rate). */
const SIM_PARTIAL_MS_PER_WORD = 300;

/**
 * STT that answers with the corpus transcript after the profile's sampled latency: batch from
 * the request, streaming from end of utterance (`streamingFinal`), with partial transcripts
 * revealing the transcript's words as audio arrives.
 */
export class SimStt extends SimStage implements SttProvider {
  async transcribe(_pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string> {
    const startMs = hints.receivedAtMs ?? this.clock.nowMs();
    const { stt } = this.profile;
    const latencyMs = stt.rttMs + this.sampler.sampleMs(stt.batch, 'stt.batch', hints.turnIndex) + this.takeColdStartMs();
    await this.clock.sleepUntil(startMs + latencyMs, signal);
    return hints.transcript ?? '';
  }

  openStream(hints: TurnHints, onPartial: (text: string) => void): SttStream {
    const words = tokenize(hints.transcript ?? '');
    let pushedSamples = 0;
    let revealed = 0;
    return {
      push: (pcm) => {
        pushedSamples += pcm.length;
        const due = Math.min(words.length - 1, Math.floor(samplesToMs(pushedSamples) / SIM_PARTIAL_MS_PER_WORD));
        if (due > revealed) {
          revealed = due;
          onPartial(words.slice(0, revealed).join('').trim());
        }
      },
      finish: async (signal) => {
        const startMs = this.clock.nowMs();
        const { stt } = this.profile;
        const latencyMs = stt.rttMs + this.sampler.sampleMs(stt.streamingFinal, 'stt.streaming', hints.turnIndex) + this.takeColdStartMs();
        await this.clock.sleepUntil(startMs + latencyMs, signal);
        return hints.transcript ?? '';
      },
    };
  }
}
