import * as hdr from 'hdr-histogram-js';
import { SPAN_NAMES, type SpanName, type SpanValues } from './spans.js';

/**
 * HDR histograms per span (DESIGN.md §5): microsecond resolution, 3 significant digits, so a
 * percentile is within 0.1 % of the exact sample and histograms from shards merge exactly.
 */
const HIGHEST_TRACKABLE_US = 3_600_000_000; // one hour
const SIGNIFICANT_DIGITS = 3;

export interface SpanSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  /** The histogram, compressed and base64-encoded (HdrHistogram V2 format), values in µs. */
  hdr: string;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: 'packed',
    useWebAssembly: false,
  });
}

function toMicros(ms: number): number {
  return Math.min(HIGHEST_TRACKABLE_US, Math.max(0, Math.round(ms * 1000)));
}

export function summarizeHistogram(histogram: hdr.Histogram): SpanSummary {
  const ms = (us: number): number => us / 1000;
  // A percentile reads its bucket's upper bound; never report one above the exact maximum.
  const at = (percentile: number): number => ms(Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue));
  return {
    count: histogram.totalCount,
    min: ms(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: ms(histogram.maxValue),
    hdr: hdr.encodeIntoCompressedBase64(histogram),
  };
}

export function decodeHistogram(encoded: string): hdr.Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 'packed', false);
}

/**
 * A summary's histogram as it was recorded. The encoding keeps bucket counts, not the exact
 * extremes (a decoded maximum is its bucket's upper bound), so they are restored from the
 * summary: the percentiles, merges and gates read from it then match the run's own report.
 */
export function decodeSummary(summary: SpanSummary): hdr.Histogram {
  const histogram = decodeHistogram(summary.hdr);
  if (histogram.totalCount > 0) {
    // the JS histogram keeps both as plain fields; its type declares them read-only
    const extremes = histogram as { maxValue: number; minNonZeroValue: number };
    extremes.maxValue = toMicros(summary.max);
    extremes.minNonZeroValue = summary.min > 0 ? toMicros(summary.min) : Number.MAX_SAFE_INTEGER;
  }
  return histogram;
}

/** Records a value stream per key (a span, a waterfall segment) into its own histogram. */
export class HistogramSet<Key extends string> {
  readonly #histograms = new Map<Key, hdr.Histogram>();

  record(key: Key, valueMs: number): void {
    let histogram = this.#histograms.get(key);
    if (!histogram) {
      histogram = newHistogram();
      this.#histograms.set(key, histogram);
    }
    histogram.recordValue(toMicros(valueMs));
  }

  recordAll(values: Partial<Record<Key, number>>): void {
    for (const [key, valueMs] of Object.entries(values) as Array<[Key, number | undefined]>) {
      if (valueMs !== undefined) this.record(key, valueMs);
    }
  }

  keys(): Key[] {
    return [...this.#histograms.keys()];
  }

  summary(key: Key): SpanSummary | undefined {
    const histogram = this.#histograms.get(key);
    return histogram ? summarizeHistogram(histogram) : undefined;
  }

  summaries(order: readonly Key[]): Partial<Record<Key, SpanSummary>> {
    const result: Partial<Record<Key, SpanSummary>> = {};
    for (const key of order) {
      const summary = this.summary(key);
      if (summary) result[key] = summary;
    }
    return result;
  }
}

export class SpanRecorder extends HistogramSet<SpanName> {
  recordSpans(values: SpanValues): void {
    this.recordAll(values);
  }

  spanSummaries(): Partial<Record<SpanName, SpanSummary>> {
    return this.summaries(SPAN_NAMES);
  }
}
