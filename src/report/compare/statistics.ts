import { errorFunction } from 'simple-statistics';
import { SeededRandom } from '../../seeded-random.js';

/**
 * The two statistics `voicebench compare` rests on (docs/compare.md): a Mann–Whitney U test of
 * whether one sample of per-turn latencies tends to be larger than another, and a seeded
 * bootstrap interval for the difference of a percentile. Both take samples in any order.
 */

/** Exact p-values up to this many samples on each side (and no ties); the normal approximation beyond. */
export const EXACT_MAX_SAMPLES = 20;

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. From 0 to n1·n2. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  n1: number;
  n2: number;
  method: 'exact' | 'normal';
}

/** Midranks (1-based) of `values`, ties sharing the mean of their ranks, and each tie group's size. */
function midranks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, index) => index).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/**
 * How many of the C(n1+n2, n1) orderings of two tie-free samples give each U (index = U), by
 * the recurrence on where the largest value falls: in the first sample it beats all n2 of the
 * second (U − n2 left for the rest), in the second it adds nothing.
 */
function exactCounts(n1: number, n2: number): number[] {
  // row[j] holds the counts for (i, j) while i grows; counts stay below C(40, 20) ≈ 1.4e11, exact in a double
  let previous: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      const withoutLargestInFirst = previous[j] as number[];
      const withoutLargestInSecond = current[j - 1] as number[];
      for (let u = 0; u < withoutLargestInFirst.length; u++) counts[u + j] = (counts[u + j] as number) + (withoutLargestInFirst[u] as number);
      for (let u = 0; u < withoutLargestInSecond.length; u++) counts[u] = (counts[u] as number) + (withoutLargestInSecond[u] as number);
      current.push(counts);
    }
    previous = current;
  }
  return previous[n2] as number[];
}

/** Two-sided: twice the smaller tail at U, at most 1. */
function exactP(u: number, n1: number, n2: number): number {
  const counts = exactCounts(n1, n2);
  const total = counts.reduce((sum, count) => sum + count, 0);
  let lower = 0;
  let upper = 0;
  counts.forEach((count, value) => {
    if (value <= u) lower += count;
    if (value >= u) upper += count;
  });
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/** Two-sided p of the normal approximation: tie-corrected variance, continuity correction of ½. */
function normalP(u: number, n1: number, n2: number, tieSizes: readonly number[]): number {
  const n = n1 + n2;
  const tieTerm = tieSizes.reduce((sum, t) => sum + (t ** 3 - t), 0) / (n * (n - 1));
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return 1; // every value tied: no evidence either way
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return Math.min(1, 1 - errorFunction(z / Math.SQRT2)); // 2·(1 − Φ(z)) = erfc(z/√2)
}

/**
 * Mann–Whitney U (Wilcoxon rank-sum), two-sided, on two independent samples: exact when both
 * have at most 20 values and no value repeats, otherwise the normal approximation.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError(`Mann–Whitney needs values on both sides, got ${n1} and ${n2}`);
  const { ranks, tieSizes } = midranks([...x, ...y]);
  const rankSumX = ranks.slice(0, n1).reduce((sum, rank) => sum + rank, 0);
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const exact = n1 <= EXACT_MAX_SAMPLES && n2 <= EXACT_MAX_SAMPLES && tieSizes.length === 0;
  return { u, p: exact ? exactP(u, n1, n2) : normalP(u, n1, n2, tieSizes), n1, n2, method: exact ? 'exact' : 'normal' };
}

/**
 * The nearest-rank percentile: the smallest value with at least `percentile` % of the sample at or
 * below it, i.e. the ⌈p/100 · n⌉-th smallest (at least the first). This is the definition an HDR
 * histogram's `getValueAtPercentile` uses, so on the same values it agrees with the run's table
 * up to the histogram's 0.1 % bucket precision. `sorted` ascending.
 */
export function nearestRankIndex(count: number, percentile: number): number {
  const exactRank = (percentile / 100) * count;
  // like HdrHistogram, keep a rank computed 1 ulp too large (0.95 · 20 = 19.000000000000004) from skipping a value
  const rank = Math.ceil(exactRank - exactRank * Number.EPSILON);
  return Math.min(count, Math.max(1, rank)) - 1;
}

/**
 * The fewest values for which the nearest-rank `percentile` is not the sample maximum (20 for
 * p95, 100 for p99). With fewer, a bootstrap of that percentile only ever resamples the maximum:
 * its interval comes out far too narrow (a one-sided error rate of about 9 % instead of 2.5 % in
 * our trials), so the comparison gives none.
 */
export function fewestValuesBelowMaximum(percentile: number): number {
  if (!(percentile >= 0 && percentile < 100)) throw new RangeError(`percentile must be in [0, 100), got ${percentile}`);
  let count = 1;
  while (nearestRankIndex(count, percentile) === count - 1) count++;
  return count;
}

export function percentileOfSorted(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  return sorted[nearestRankIndex(sorted.length, percentile)] as number;
}

export function percentile(values: readonly number[], percentileValue: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), percentileValue);
}

export interface Interval {
  /** The statistic on the samples themselves. */
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Which percentile's difference, e.g. 95. */
  percentile: number;
  seed: number;
  /** Names the random stream, so each comparison row draws its own (see SeededRandom). */
  key: string;
  resamples?: number;
  /** Two-sided coverage, e.g. 0.95. */
  confidence?: number;
}

export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_CONFIDENCE = 0.95;

/**
 * The nearest-rank percentile of a resample (with replacement) of `sorted`, without sorting the
 * resample: count how often each position is drawn and walk the counts up to the rank.
 */
function resampledPercentile(sorted: readonly number[], rankIndex: number, random: SeededRandom, drawn: Uint32Array): number {
  drawn.fill(0);
  for (let i = 0; i < sorted.length; i++) {
    const position = Math.floor(random.next() * sorted.length);
    drawn[position] = (drawn[position] as number) + 1;
  }
  let seen = 0;
  for (let position = 0; position < sorted.length; position++) {
    seen += drawn[position] as number;
    if (seen > rankIndex) return sorted[position] as number;
  }
  return sorted[sorted.length - 1] as number;
}

/**
 * Percentile bootstrap interval for percentile(b) − percentile(a): each sample resampled with
 * replacement on its own, `resamples` times, from one seeded stream; the interval's ends are
 * the nearest-rank (1 − confidence)/2 and (1 + confidence)/2 percentiles of the differences.
 * The same samples, seed and key give the same interval.
 */
export function bootstrapPercentileDifference(a: readonly number[], b: readonly number[], options: BootstrapOptions): Interval {
  if (a.length === 0 || b.length === 0) throw new RangeError(`a bootstrap needs values on both sides, got ${a.length} and ${b.length}`);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const confidence = options.confidence ?? BOOTSTRAP_CONFIDENCE;
  const sortedA = [...a].sort((x, y) => x - y);
  const sortedB = [...b].sort((x, y) => x - y);
  const rankA = nearestRankIndex(sortedA.length, options.percentile);
  const rankB = nearestRankIndex(sortedB.length, options.percentile);
  const random = new SeededRandom(options.seed, `bootstrap|${options.key}`);
  const drawnA = new Uint32Array(sortedA.length);
  const drawnB = new Uint32Array(sortedB.length);
  const differences = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const fromA = resampledPercentile(sortedA, rankA, random, drawnA);
    differences[r] = resampledPercentile(sortedB, rankB, random, drawnB) - fromA;
  }
  differences.sort();
  const tailPercent = ((1 - confidence) / 2) * 100;
  return {
    estimate: (sortedB[rankB] as number) - (sortedA[rankA] as number),
    low: differences[nearestRankIndex(resamples, tailPercent)] as number,
    high: differences[nearestRankIndex(resamples, 100 - tailPercent)] as number,
  };
}
