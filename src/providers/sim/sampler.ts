import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { LatencyDistribution } from '../profile.js';

/** z such that P(Z ≤ z) = 0.95 for a standard normal. */
const Z_95 = 1.6448536269514722;

/** FNV-1a over the key: a stable 32-bit seed per (run seed, stage, turn). */
function hashKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

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
    return uniformFloat64(xoroshiro128plus(hashKey(`${this.seed}|${stage}#${turnIndex}|u`)));
  }

  private standardNormal(key: string): number {
    const rng = xoroshiro128plus(hashKey(`${this.seed}|${key}`));
    const u1 = 1 - uniformFloat64(rng); // (0, 1]: log is finite
    const u2 = uniformFloat64(rng);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
