import { SeededRandom } from '../../seeded-random.js';
import type { LatencyDistribution } from '../profile.js';

/** z such that P(Z ≤ z) = 0.95 for a standard normal. */
const Z_95 = 1.6448536269514722;

/**
 * Seeded latency sampling. Each draw is keyed by (seed, stage, turn) rather than taken from one
 * running stream, so the same turn gets the same sampled latencies on every transport and in
 * any order, and one stage drawing more values cannot shift another's.
 */
export class LatencySampler {
  constructor(readonly seed: number) {}

  /** Log-normal with median p50 and 95th percentile p95; constant when p95 ≤ p50. */
  sampleMs(distribution: LatencyDistribution, stage: string, turnIndex: number): number {
    const { p50Ms, p95Ms } = distribution;
    if (p95Ms <= p50Ms || p50Ms <= 0) return p50Ms;
    const sigma = (Math.log(p95Ms) - Math.log(p50Ms)) / Z_95;
    return Math.exp(Math.log(p50Ms) + sigma * this.standardNormal(`${stage}#${turnIndex}`));
  }

  /** A uniform in [0, 1) keyed like sampleMs, for choices such as which reply to give. */
  uniform(stage: string, turnIndex: number): number {
    return new SeededRandom(this.seed, `${stage}#${turnIndex}|u`).next();
  }

  private standardNormal(key: string): number {
    return new SeededRandom(this.seed, key).normal();
  }
}
