import type { Clock } from '../../metrics/clock.js';
import type { SimProfile } from '../profile.js';
import type { LatencySampler } from './sampler.js';

/**
 * What every sim provider shares: the profile it follows, the seeded sampler, the clock it
 * sleeps on, and the cold-start penalty that only its first request pays.
 */
export abstract class SimStage {
  readonly name = 'sim';
  #cold = true;

  constructor(
    protected readonly profile: SimProfile,
    protected readonly sampler: LatencySampler,
    protected readonly clock: Clock,
  ) {}

  protected takeColdStartMs(): number {
    const penaltyMs = this.#cold ? this.profile.coldStartMs : 0;
    this.#cold = false;
    return penaltyMs;
  }
}
