import type { Comparison, ComparisonMethod, ComparedInput, SpanComparison, TransportComparison, TransportSide } from './comparison.js';
import type { Interval } from './statistics.js';
import { ms } from '../format.js';

/**
 * How every compare renderer writes a number, so the terminal, Markdown and HTML reports read
 * the same. Text only; each renderer escapes for its own format.
 */

const MINUS = '−';

const formatMs = ms;

function formatSignedMs(deltaMs: number): string {
  const text = formatMs(Math.abs(deltaMs));
  if (Number(text) === 0) return `±${text}`;
  return `${deltaMs > 0 ? '+' : MINUS}${text}`;
}

/** A fraction as a signed percentage; absent (a baseline of 0) as an em dash. */
function formatPercent(fraction: number | undefined): string {
  if (fraction === undefined) return '—';
  const percent = Math.abs(fraction * 100);
  const text = percent.toFixed(percent < 10 ? 1 : 0);
  if (Number(text) === 0) return `±${text}%`;
  return `${fraction > 0 ? '+' : MINUS}${text}%`;
}

export function formatP(p: number | undefined): string {
  if (p === undefined) return '—';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

export function formatInterval(interval: Interval | undefined): string {
  return interval ? `[${formatSignedMs(interval.low)}, ${formatSignedMs(interval.high)}]` : '—';
}

/** `A → B` for one percentile. */
export function formatPair(row: SpanComparison, percentile: 'p50' | 'p95' | 'p99'): string {
  return `${formatMs(row.baseline[percentile])} → ${formatMs(row.candidate[percentile])}`;
}

export function formatDelta(deltaMs: number, fraction: number | undefined): string {
  return `${formatSignedMs(deltaMs)} (${formatPercent(fraction)})`;
}

/** The verdict in words, with `regression` said when the threshold was crossed. */
export function verdictText(row: SpanComparison): string {
  return row.regression ? `${row.verdict}: regression` : row.verdict;
}

export function describeSide(side: TransportSide): string {
  return `${side.turns} turns, ${side.errors} error${side.errors === 1 ? '' : 's'}, ${side.kind}`;
}

export function describeTransport(transport: TransportComparison, baselineLabel: string, candidateLabel: string): string {
  return `${transport.transport}: ${baselineLabel} ${describeSide(transport.baseline)}; ${candidateLabel} ${describeSide(transport.candidate)}`;
}

export function describeInput(input: ComparedInput): string {
  return `scenario ${input.scenario}, profile ${input.profile}, network ${input.network}, seed ${input.seed}, voicebench ${input.toolVersion}, started ${input.startedAt}${input.complete ? '' : ', INCOMPLETE (interrupted)'}`;
}

function percentText(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))} %`;
}

/** The whole method in one paragraph (docs/compare.md has the long form). */
export function describeMethod(method: ComparisonMethod): string {
  const parts = [
    `Each span is compared on its per-turn values: Mann–Whitney U, two-sided (exact p when both sides have at most 20 turns and no ties, otherwise the normal approximation with tie correction and continuity correction), significant at p < ${method.alpha}; slower or faster is the direction of U (the share of turn pairs in which the candidate's value is larger).`,
    `p50, p95 and p99 are the runs' own histogram figures; the Δp95 interval is a ${percentText(method.confidence)} percentile bootstrap (${method.resamples} resamples each side, seed ${method.seed}), given from ${method.minTailSamples} turns each side (below that p95 is the maximum).`,
    `Fewer than ${method.minSamples} turns on a side: no test.`,
  ];
  parts.push(
    method.regressionThreshold === undefined
      ? 'No regression threshold was given.'
      : `Regression, judged on ${method.regressionSpans.join(', ')} on every transport: Δp50 above ${percentText(method.regressionThreshold)} with the candidate slower and the U test's p, Holm-adjusted across the judged rows, below ${method.alpha}; or Δp95 above ${percentText(method.regressionThreshold)} with its whole Bonferroni-corrected interval (confidence 1 − ${method.alpha}/rows judged) above 0.`,
  );
  return parts.join(' ');
}

/** Every candidate's regressed spans, per transport: `b.json: ws v2v, stt; rest v2v`. */
function regressedSpans(comparison: Comparison, escape: (label: string) => string): string[] {
  return comparison.candidates
    .filter((candidate) => candidate.regression)
    .map((candidate) => {
      const transports = candidate.transports.filter((transport) => transport.spans.some((row) => row.regression));
      return `${escape(candidate.label)}: ${transports.map((transport) => `${transport.transport} ${transport.spans.filter((row) => row.regression).map((row) => row.span).join(', ')}`).join('; ')}`;
    });
}

/** One line on the regression gate, or undefined when no threshold was given; `escape` readies each label for the output format. */
export function regressionSummary(comparison: Comparison, escape: (label: string) => string = (label) => label): string | undefined {
  const threshold = comparison.method.regressionThreshold;
  if (threshold === undefined) return undefined;
  if (!comparison.regression) return `No regression beyond ${percentText(threshold)}.`;
  return `Regression beyond ${percentText(threshold)}: ${regressedSpans(comparison, escape).join('; ')}.`;
}

/** The interval column's heading, e.g. `Δp95 95% CI`. */
export function intervalHeading(method: ComparisonMethod): string {
  return `Δp95 ${Number((method.confidence * 100).toFixed(2))}% CI`;
}

/** A row's figures as every renderer lays them out: p50, Δp50, p95, Δp95, the Δp95 interval, p99 when asked, then p. */
export function figureCells(row: SpanComparison, options: { p99: boolean }): string[] {
  return [
    formatPair(row, 'p50'),
    formatDelta(row.deltaP50Ms, row.deltaP50Relative),
    formatPair(row, 'p95'),
    formatDelta(row.deltaP95Ms, row.deltaP95Relative),
    formatInterval(row.deltaP95Interval),
    ...(options.p99 ? [formatPair(row, 'p99')] : []),
    formatP(row.mannWhitney?.p),
  ];
}
