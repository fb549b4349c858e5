import type { Clock } from '../../metrics/clock.js';
import type { SimProfile } from '../profile.js';
import type { SttProvider, TurnHints } from '../types.js';
import type { LatencySampler } from './sampler.js';
import { ColdStart } from './cold-start.js';

/** Batch STT that answers with the corpus transcript after the profile's sampled latency. */
export class SimStt implements SttProvider {
  readonly name = 'sim';
  readonly #coldStart: ColdStart;

  constructor(
    private readonly profile: SimProfile,
    private readonly sampler: LatencySampler,
    private readonly clock: Clock,
  ) {
    this.#coldStart = new ColdStart(profile.coldStartMs);
  }

  async transcribe(_pcm: Int16Array, hints: TurnHints, signal: AbortSignal): Promise<string> {
    const startMs = this.clock.nowMs();
    const { stt } = this.profile;
    const latencyMs = stt.rttMs + this.sampler.sampleMs(stt.batch, 'stt.batch', hints.turnIndex) + this.#coldStart.takePenaltyMs();
    await this.clock.sleepUntil(startMs + latencyMs, signal);
    return hints.transcript ?? '';
  }
}
