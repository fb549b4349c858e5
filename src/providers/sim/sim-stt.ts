import type { SttProvider, TurnHints } from '../types.js';
import { SimStage } from './sim-stage.js';

/** Batch STT that answers with the corpus transcript after the profile's sampled latency. */
export class SimStt extends SimStage implements SttProvider {
  async transcribe(_pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string> {
    const startMs = this.clock.nowMs();
    const { stt } = this.profile;
    const latencyMs = stt.rttMs + this.sampler.sampleMs(stt.batch, 'stt.batch', hints.turnIndex) + this.takeColdStartMs();
    await this.clock.sleepUntil(startMs + latencyMs, signal);
    return hints.transcript ?? '';
  }
}
