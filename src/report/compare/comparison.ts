import { InputError } from '../../errors.js';
import type { SpanSummary } from '../../metrics/recorder.js';
import { columnKind, columnsOf } from '../columns.js';
import type { ColumnName, RunResult, SpanTableEntry, TransportResult } from '../result.js';
import { spanSamples, TURN_SPAN_NAMES, type TurnSpanName } from '../turn-samples.js';
import { BOOTSTRAP_CONFIDENCE, BOOTSTRAP_RESAMPLES, bootstrapPercentileDifference, fewestValuesBelowMaximum, mannWhitneyU, type Interval, type MannWhitneyResult } from './statistics.js';

/**
 * `voicebench compare`: the first result is the baseline, every other one a candidate compared
 * with it span by span on the per-turn samples (docs/compare.md). Data first; the renderers
 * beside this file only turn a Comparison into text.
 */

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_COMPARE_SEED = 1;
/** Fewer turns than this on either side: no test, the row says so. */
export const MIN_SAMPLES = 3;
/** Fewer turns than this on either side: p95 is the maximum, and no bootstrap interval of Δp95 is given. */
export const MIN_TAIL_SAMPLES = fewestValuesBelowMaximum(95);

export type Verdict = 'slower' | 'faster' | 'no significant difference' | 'too few samples';

/** A span's figures as the run's own table printed them (from its HDR histogram), in ms. */
export interface PercentileSummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface SpanComparison {
  span: TurnSpanName;
  baseline: PercentileSummary;
  candidate: PercentileSummary;
  /** Candidate − baseline, in ms: positive is slower. */
  deltaP50Ms: number;
  deltaP95Ms: number;
  /** The delta as a fraction of the baseline's (0.1 = 10 % slower); absent when the baseline's is 0. */
  deltaP50Relative?: number;
  deltaP95Relative?: number;
  /** Candidate against baseline: `u` and `n1` are the candidate's, `n2` the baseline's. Absent with too few samples. */
  mannWhitney?: MannWhitneyResult;
  /** Of all (baseline turn, candidate turn) pairs, the share where the candidate's value is larger, ties counting half: above 0.5 the candidate tends to be slower. */
  candidateLargerShare?: number;
  /** Bootstrap interval of Δp95 (candidate − baseline, ms) on the per-turn samples. Absent below MIN_TAIL_SAMPLES turns on either side. */
  deltaP95Interval?: Interval;
  /** Mann–Whitney p < alpha. */
  significant: boolean;
  verdict: Verdict;
  /** The row is one of those `--fail-on-regression` judges (its span is among the regression spans). */
  gated: boolean;
  /** Gated rows: the Mann–Whitney p adjusted by Holm's method across the candidate's gated rows. */
  pHolm?: number;
  /** Gated rows: the bootstrap interval of Δp95 at the Bonferroni-corrected confidence 1 − alpha/m (m gated rows). */
  gateInterval?: Interval;
  /** Slower beyond the regression threshold, with evidence corrected for the number of rows judged (see `isRegression`); always false without a threshold. */
  regression: boolean;
}

export interface TransportSide {
  turns: number;
  errors: number;
  /** The agent's chunking policy, or a target's protocol. */
  kind: string;
}

export interface TransportComparison {
  transport: ColumnName;
  baseline: TransportSide;
  candidate: TransportSide;
  /** Spans measured by both, in span-table order. */
  spans: SpanComparison[];
  /** Each side's per-turn v2v (ms, turn order), for the reports' distribution charts; absent when either side has none. */
  v2vSamplesMs?: { baseline: number[]; candidate: number[] };
}

export interface CandidateComparison {
  label: string;
  transports: TransportComparison[];
  /** Transports measured by one side only: not compared. */
  baselineOnly: ColumnName[];
  candidateOnly: ColumnName[];
  regression: boolean;
}

/** What each input was: enough for a reader to see whether the comparison is like for like. */
export interface ComparedInput {
  label: string;
  toolVersion: string;
  scenario: string;
  profile: string;
  network: string;
  seed: number;
  startedAt: string;
  complete: boolean;
}

export interface ComparisonMethod {
  alpha: number;
  /** Bootstrap: resamples of each side, interval coverage, and the seed of its random streams. */
  resamples: number;
  confidence: number;
  seed: number;
  minSamples: number;
  /** Fewest turns each side for a Δp95 interval. */
  minTailSamples: number;
  /** Fraction (0.05 = 5 %); absent: nothing is judged a regression. */
  regressionThreshold?: number;
  /** The spans a regression is judged on (default: v2v); the correction is over their rows. */
  regressionSpans: TurnSpanName[];
}

export interface Comparison {
  /** `inputs[0]` is the baseline. */
  inputs: ComparedInput[];
  candidates: CandidateComparison[];
  method: ComparisonMethod;
  /** Any candidate regressed on any span. */
  regression: boolean;
}

export interface ComparisonOptions {
  alpha?: number;
  seed?: number;
  /** Fraction, e.g. 0.05 for `--fail-on-regression 5%`. */
  regressionThreshold?: number;
  /** Spans judged for a regression; default ['v2v']. Every row is still tested and shown. */
  regressionSpans?: readonly TurnSpanName[];
}

export const DEFAULT_REGRESSION_SPANS: readonly TurnSpanName[] = ['v2v'];

export interface LabelledResult {
  /** How the report names the result: usually its file as given. */
  label: string;
  result: RunResult;
}

/** The results cannot be compared meaningfully (different span definitions, no per-turn records). */
export class IncomparableResultsError extends InputError {}

function describeEntry(entry: SpanTableEntry): string {
  return `${entry.from} → ${entry.to}${entry.kind ? ` (${entry.kind})` : ''}`;
}

/** Spans both tables define must be measured between the same marks; a span only one defines is simply not compared. */
function assertSameSpanTable(baseline: LabelledResult, candidate: LabelledResult): void {
  const baselineEntries = new Map(baseline.result.spanTable.map((entry) => [entry.name, entry]));
  const differences: string[] = [];
  for (const entry of candidate.result.spanTable) {
    const other = baselineEntries.get(entry.name);
    if (other && describeEntry(other) !== describeEntry(entry)) differences.push(`${entry.name} is ${describeEntry(other)} in ${baseline.label} but ${describeEntry(entry)} in ${candidate.label}`);
  }
  if (differences.length > 0) {
    throw new IncomparableResultsError(`cannot compare ${candidate.label} with ${baseline.label}: their span tables differ: ${differences.join('; ')}`, {
      hint: 'compare results measured with the same span definitions (the same voicebench version), or rerun one of them',
    });
  }
}

function samplesOf(input: LabelledResult, transport: ColumnName, span: TurnSpanName, summary: SpanSummary): number[] {
  const samples = spanSamples(input.result, transport, span);
  if (samples.length !== summary.count) {
    throw new IncomparableResultsError(`${input.label}: ${transport} ${span}: the histogram counts ${summary.count} turns but ${samples.length} per-turn records carry it`, {
      hint: 'compare tests the per-turn records (`turns` in result.json); use a result.json written by a complete, unedited run of this voicebench version',
    });
  }
  return samples;
}

function relative(deltaMs: number, baselineMs: number): number | undefined {
  return baselineMs === 0 ? undefined : deltaMs / baselineMs;
}

/**
 * A regression is a slowdown both large and evidenced, the evidence corrected for the number of
 * rows judged (a candidate judged on m rows at alpha each would otherwise be flagged by chance
 * far more often than alpha): Δp50 beyond the threshold with the Holm-adjusted Mann–Whitney p
 * below alpha and the candidate slower, or Δp95 beyond the threshold with its whole
 * Bonferroni-corrected bootstrap interval above 0.
 */
function isRegression(row: SpanComparison, threshold: number | undefined, alpha: number): boolean {
  if (threshold === undefined || !row.gated || row.verdict === 'too few samples') return false;
  const slower = (row.candidateLargerShare ?? 0) > 0.5;
  const medianRegressed = (row.deltaP50Relative ?? 0) > threshold && slower && (row.pHolm ?? 1) < alpha;
  const tailRegressed = (row.deltaP95Relative ?? 0) > threshold && (row.gateInterval?.low ?? 0) > 0;
  return medianRegressed || tailRegressed;
}

/** Holm's step-down adjustment: the k-th smallest p becomes max over j ≤ k of (m − j)·p_(j), at most 1. */
export function holmAdjusted(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

export interface SpanComparisonSettings {
  alpha: number;
  seed: number;
  regressionThreshold: number | undefined;
  /** Names this row's bootstrap stream. */
  key: string;
  /** Set for a row `--fail-on-regression` judges: the number of rows judged (for the corrected interval). */
  gatedRows?: number;
}

/** One span: the run tables' percentiles, and the tests on the per-turn samples. */
export function compareSpan(span: TurnSpanName, baseline: { summary: PercentileSummary; samples: readonly number[] }, candidate: { summary: PercentileSummary; samples: readonly number[] }, settings: SpanComparisonSettings): SpanComparison {
  const pick = ({ count, p50, p95, p99 }: PercentileSummary): PercentileSummary => ({ count, p50, p95, p99 });
  const deltaP50Ms = candidate.summary.p50 - baseline.summary.p50;
  const deltaP95Ms = candidate.summary.p95 - baseline.summary.p95;
  const deltas = {
    span,
    baseline: pick(baseline.summary),
    candidate: pick(candidate.summary),
    deltaP50Ms,
    deltaP95Ms,
    deltaP50Relative: relative(deltaP50Ms, baseline.summary.p50),
    deltaP95Relative: relative(deltaP95Ms, baseline.summary.p95),
  };
  const gated = settings.gatedRows !== undefined;
  if (baseline.samples.length < MIN_SAMPLES || candidate.samples.length < MIN_SAMPLES) {
    return { ...deltas, significant: false, verdict: 'too few samples', gated, regression: false };
  }
  const mannWhitney = mannWhitneyU(candidate.samples, baseline.samples);
  const candidateLargerShare = mannWhitney.u / (mannWhitney.n1 * mannWhitney.n2);
  const significant = mannWhitney.p < settings.alpha;
  const verdict: Verdict = !significant ? 'no significant difference' : candidateLargerShare > 0.5 ? 'slower' : 'faster';
  const tailMeasurable = Math.min(baseline.samples.length, candidate.samples.length) >= MIN_TAIL_SAMPLES;
  const deltaP95Interval = tailMeasurable ? bootstrapPercentileDifference(baseline.samples, candidate.samples, { percentile: 95, seed: settings.seed, key: settings.key }) : undefined;
  const gateInterval =
    tailMeasurable && settings.gatedRows !== undefined
      ? bootstrapPercentileDifference(baseline.samples, candidate.samples, { percentile: 95, seed: settings.seed, key: settings.key, confidence: 1 - settings.alpha / settings.gatedRows })
      : undefined;
  // `regression` is decided once every gated row of the candidate has its p (Holm needs them all)
  return { ...deltas, mannWhitney, candidateLargerShare, ...(deltaP95Interval ? { deltaP95Interval } : {}), significant, verdict, gated, ...(gateInterval ? { gateInterval } : {}), regression: false };
}

/** Judges the candidate's gated rows together: Holm across their p values, then each row's regression. */
export function judgeRegressions(transports: readonly TransportComparison[], alpha: number, threshold: number | undefined): void {
  const gated = transports.flatMap((transport) => transport.spans.filter((row) => row.gated && row.mannWhitney));
  const adjusted = holmAdjusted(gated.map((row) => row.mannWhitney?.p ?? 1));
  gated.forEach((row, index) => {
    row.pHolm = adjusted[index] as number;
  });
  for (const transport of transports) for (const row of transport.spans) row.regression = isRegression(row, threshold, alpha);
}

function side(transport: TransportResult): TransportSide {
  return { turns: transport.turns, errors: transport.errors, kind: columnKind(transport) };
}

function compareTransport(baseline: LabelledResult, candidate: LabelledResult, transport: ColumnName, settings: Omit<SpanComparisonSettings, 'key' | 'gatedRows'>, gate: { spans: readonly TurnSpanName[]; rows: number }): TransportComparison {
  const baselineTransport = baseline.result.transports[transport] as TransportResult;
  const candidateTransport = candidate.result.transports[transport] as TransportResult;
  const spans: SpanComparison[] = [];
  let v2v: TransportComparison['v2vSamplesMs'];
  for (const span of TURN_SPAN_NAMES) {
    const baselineSummary = baselineTransport.spans[span];
    const candidateSummary = candidateTransport.spans[span];
    if (!baselineSummary || !candidateSummary) continue;
    const baselineSamples = samplesOf(baseline, transport, span, baselineSummary);
    const candidateSamples = samplesOf(candidate, transport, span, candidateSummary);
    if (span === 'v2v') v2v = { baseline: baselineSamples, candidate: candidateSamples };
    spans.push(
      compareSpan(
        span,
        { summary: baselineSummary, samples: baselineSamples },
        { summary: candidateSummary, samples: candidateSamples },
        { ...settings, key: `${candidate.label}|${transport}|${span}`, ...(gate.spans.includes(span) ? { gatedRows: gate.rows } : {}) },
      ),
    );
  }
  return { transport, baseline: side(baselineTransport), candidate: side(candidateTransport), spans, ...(v2v ? { v2vSamplesMs: v2v } : {}) };
}

function describeInput({ label, result }: LabelledResult): ComparedInput {
  const { config } = result;
  return { label, toolVersion: result.tool.version, scenario: config.scenario, profile: config.profile, network: config.network.name, seed: config.seed, startedAt: result.startedAt, complete: result.complete };
}

function checkOptions(options: ComparisonOptions): void {
  const { alpha, regressionThreshold } = options;
  if (alpha !== undefined && !(alpha > 0 && alpha < 1)) throw new InputError(`alpha must be between 0 and 1, got ${alpha}`, { hint: 'the usual significance level is 0.05' });
  if (regressionThreshold !== undefined && !(regressionThreshold >= 0 && Number.isFinite(regressionThreshold))) {
    throw new InputError(`the regression threshold must be a fraction ≥ 0, got ${regressionThreshold}`, { hint: 'e.g. 0.05 for 5 %' });
  }
}

/** Compares every input after the first with the first: per transport both measured, per span both measured. */
export function buildComparison(inputs: readonly LabelledResult[], options: ComparisonOptions = {}): Comparison {
  const [baseline, ...candidates] = inputs;
  if (!baseline || candidates.length === 0) throw new InputError(`compare needs at least two results, got ${inputs.length}`, { hint: 'voicebench compare baseline.json candidate.json [more.json …]' });
  checkOptions(options);
  for (const candidate of candidates) assertSameSpanTable(baseline, candidate);
  const method: ComparisonMethod = {
    alpha: options.alpha ?? DEFAULT_ALPHA,
    resamples: BOOTSTRAP_RESAMPLES,
    confidence: BOOTSTRAP_CONFIDENCE,
    seed: options.seed ?? DEFAULT_COMPARE_SEED,
    minSamples: MIN_SAMPLES,
    minTailSamples: MIN_TAIL_SAMPLES,
    ...(options.regressionThreshold === undefined ? {} : { regressionThreshold: options.regressionThreshold }),
    regressionSpans: [...(options.regressionSpans ?? DEFAULT_REGRESSION_SPANS)],
  };
  const settings = { alpha: method.alpha, seed: method.seed, regressionThreshold: method.regressionThreshold };
  const compared = candidates.map((candidate): CandidateComparison => {
    const inBaseline = columnsOf(baseline.result.config).filter((name) => baseline.result.transports[name]);
    const inCandidate = columnsOf(candidate.result.config).filter((name) => candidate.result.transports[name]);
    const common = inBaseline.filter((name) => inCandidate.includes(name));
    const gatedRows = common.reduce((rows, name) => rows + method.regressionSpans.filter((span) => baseline.result.transports[name]?.spans[span] && candidate.result.transports[name]?.spans[span]).length, 0);
    const transports = common.map((name) => compareTransport(baseline, candidate, name, settings, { spans: method.regressionSpans, rows: Math.max(1, gatedRows) }));
    judgeRegressions(transports, method.alpha, method.regressionThreshold);
    return {
      label: candidate.label,
      transports,
      baselineOnly: inBaseline.filter((name) => !inCandidate.includes(name)),
      candidateOnly: inCandidate.filter((name) => !inBaseline.includes(name)),
      regression: transports.some((transport) => transport.spans.some((row) => row.regression)),
    };
  });
  return { inputs: inputs.map(describeInput), candidates: compared, method, regression: compared.some((candidate) => candidate.regression) };
}
