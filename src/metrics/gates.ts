import { closest } from 'fastest-levenshtein';
import { decodeSummary, type SpanSummary } from './recorder.js';
import { isSpanName, SPAN_NAMES, type SpanName } from './spans.js';
import type { ColumnName } from '../names.js';
import type { TransportResult } from '../report/result.js';

/**
 * Gates (DESIGN.md §5): a small written grammar, parsed here without eval and checked against
 * the span table before a run starts, then evaluated on the result. docs/gates.md is the
 * user's reference; the grammar is
 *
 *   gate      = metric [scope] op threshold
 *   metric    = stat "(" span ")" | "rate(" counter ")"
 *   stat      = "p" number (0 < number ≤ 100) | "mean" | "min" | "max"
 *   scope     = "{" ("transport" | "target") "=" name "}"
 *   op        = "<" | "<=" | ">" | ">="
 *   threshold = number ("ms" | "s")  for a span,  number "%"  for a rate
 */

export const GATE_OPERATORS = ['<', '<=', '>', '>='] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];

/** What `rate(…)` counts, over the turns of a transport. */
export const GATE_COUNTERS = {
  errors: 'turns that failed, of all turns',
  'bargein.correct': 'turns with a scripted barge-in that went as scripted, of those turns',
} as const;
export type GateCounter = keyof typeof GATE_COUNTERS;

export type GateStat = { kind: 'percentile'; percentile: number } | { kind: 'mean' | 'min' | 'max' };

export type GateMetric = { type: 'span'; stat: GateStat; span: SpanName } | { type: 'rate'; counter: GateCounter };

export interface Gate {
  /** The expression as the user wrote it. */
  source: string;
  metric: GateMetric;
  /** Undefined: the gate holds on every column (transport and target) the run measured. */
  transport: ColumnName | undefined;
  op: GateOperator;
  /** Milliseconds for a span, a fraction (0.01 for 1%) for a rate. */
  threshold: number;
}

/** One gate on one transport, after the run. */
export interface GateOutcome {
  gate: string;
  /** The column: a transport's or a target's name. */
  transport: ColumnName;
  /** `p95(v2v)`, `rate(errors)`: the metric without scope or threshold. */
  metric: string;
  op: GateOperator;
  threshold: number;
  unit: 'ms' | '%';
  /** In `unit`; absent when the transport has no sample of it. */
  measured?: number;
  /** The samples (turns, or span values) the measurement is over. */
  samples: number;
  held: boolean;
  /** Why a gate failed without a measurement. */
  reason?: string;
}

export class GateSyntaxError extends Error {}

const STAT_HELP = 'p<N> (a percentile, e.g. p50, p95, p99.9), mean, min, max, or rate(<counter>)';

/** A cursor over the expression; every `expect` failure says where and what was wanted. */
class Reader {
  position = 0;
  constructor(readonly source: string) {}

  skipSpace(): void {
    while (this.position < this.source.length && /\s/.test(this.source[this.position] as string)) this.position++;
  }

  match(pattern: RegExp): string | undefined {
    this.skipSpace();
    const sticky = new RegExp(pattern.source, 'y');
    sticky.lastIndex = this.position;
    const found = sticky.exec(this.source);
    if (!found) return undefined;
    this.position = sticky.lastIndex;
    return found[0];
  }

  fail(message: string): never {
    const rest = this.source.slice(this.position).trim();
    throw new GateSyntaxError(`${message} at column ${this.position + 1}${rest ? ` (found "${rest.slice(0, 12)}")` : ' (found the end)'}`);
  }

  expect(pattern: RegExp, wanted: string): string {
    return this.match(pattern) ?? this.fail(`expected ${wanted}`);
  }
}

function parseStat(word: string, reader: Reader): GateStat {
  if (word === 'mean' || word === 'min' || word === 'max') return { kind: word };
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(word);
  if (percentile) {
    const value = Number(percentile[1]);
    if (value > 0 && value <= 100) return { kind: 'percentile', percentile: value };
    throw new GateSyntaxError(`percentile "${word}" is out of range: expected p<N> with 0 < N ≤ 100, e.g. p95`);
  }
  const suggestion = closest(word, ['p50', 'p90', 'p95', 'p99', 'mean', 'min', 'max', 'rate']);
  return reader.fail(`unknown aggregation "${word}"${suggestion ? `; did you mean "${suggestion}"?` : ''} Valid: ${STAT_HELP}`);
}

function parseSpan(name: string): SpanName {
  if (isSpanName(name)) return name;
  const suggestion = closest(name, [...SPAN_NAMES]);
  throw new GateSyntaxError(`unknown span "${name}"; did you mean "${suggestion}"? Spans: ${SPAN_NAMES.join(', ')}`);
}

function parseCounter(name: string): GateCounter {
  if (Object.hasOwn(GATE_COUNTERS, name)) return name as GateCounter;
  const names = Object.keys(GATE_COUNTERS);
  throw new GateSyntaxError(`unknown counter "${name}" for rate(); did you mean "${closest(name, names)}"? Counters: ${names.join(', ')}`);
}

function parseMetric(reader: Reader): GateMetric {
  const word = reader.expect(/[A-Za-z][A-Za-z0-9.]*/, `an aggregation, ${STAT_HELP}`);
  if (word === 'rate') {
    reader.expect(/\(/, '"(" after rate');
    const counter = parseCounter(reader.expect(/[A-Za-z_.]+/, 'a counter name, e.g. rate(errors)'));
    reader.expect(/\)/, '")"');
    return { type: 'rate', counter };
  }
  const stat = parseStat(word, reader);
  reader.expect(/\(/, `"(" and a span after ${word}, e.g. ${word}(v2v)`);
  const span = parseSpan(reader.expect(/[A-Za-z_][A-Za-z0-9_.]*/, 'a span name, e.g. v2v'));
  reader.expect(/\)/, '")"');
  return { type: 'span', stat, span };
}

/** The names a scope may use: `{transport=…}` takes any column, `{target=…}` only a target. */
export interface GateScopes {
  transports: readonly string[];
  targets: readonly string[];
}

function parseScope(reader: Reader, scopes: GateScopes): ColumnName | undefined {
  if (!reader.match(/\{/)) return undefined;
  const key = reader.expect(/[A-Za-z_]+/, 'a scope, e.g. {transport=webrtc} or {target=bot}');
  if (key !== 'transport' && key !== 'target') throw new GateSyntaxError(`unknown scope key "${key}": a scope is {transport=<name>} or {target=<name>}, e.g. {transport=webrtc}`);
  reader.expect(/=/, `"=" after ${key}`);
  const names = key === 'target' ? scopes.targets : [...scopes.transports, ...scopes.targets];
  const what = key === 'target' ? 'target' : 'transport or target';
  const name = reader.expect(/[A-Za-z0-9_-]+/, `a ${what} name (${names.join(', ') || 'none in this run'})`);
  if (!names.includes(name)) {
    const listed = names.length > 0 ? names.join(', ') : 'none';
    throw new GateSyntaxError(key === 'target' ? `unknown target "${name}" in the scope; targets: ${listed}` : `unknown transport "${name}" in the scope; ${scopes.targets.length > 0 ? 'transports and targets' : 'transports'}: ${listed}`);
  }
  reader.expect(/\}/, '"}"');
  return name;
}

function parseThreshold(reader: Reader, metric: GateMetric): number {
  const text = reader.expect(/-?\d+(?:\.\d+)?/, metric.type === 'rate' ? 'a threshold, e.g. 1%' : 'a threshold, e.g. 800ms');
  const value = Number(text);
  const unit = reader.match(/ms|s|%/);
  if (metric.type === 'rate') {
    if (unit !== '%') reader.fail(`a rate's threshold is a percentage: write ${text}%`);
    if (value < 0 || value > 100) throw new GateSyntaxError(`${text}% is not a rate: expected 0% to 100%`);
    return value / 100;
  }
  if (unit === undefined) reader.fail(`the threshold needs a unit: ${text}ms or ${text}s`);
  if (unit === '%') throw new GateSyntaxError(`a span's threshold is a duration, not a percentage: write e.g. 800ms`);
  if (value < 0) throw new GateSyntaxError(`a duration threshold cannot be negative, got ${text}${unit}`);
  return unit === 's' ? value * 1000 : value;
}

/** Parses one expression; `scopes` are the names a scope may use (a list: transports only). Throws GateSyntaxError with what and where. */
export function parseGate(source: string, scopes: GateScopes | readonly string[]): Gate {
  const reader = new Reader(source);
  const metric = parseMetric(reader);
  const transport = parseScope(reader, isScopeList(scopes) ? { transports: scopes, targets: [] } : scopes);
  const op = reader.expect(/<=|>=|<|>/, 'a comparison: <, <=, > or >=') as GateOperator;
  const threshold = parseThreshold(reader, metric);
  reader.skipSpace();
  if (reader.position < source.length) reader.fail('nothing more after the threshold');
  return { source: source.trim(), metric, transport, op, threshold };
}

function isScopeList(scopes: GateScopes | readonly string[]): scopes is readonly string[] {
  return Array.isArray(scopes);
}

/** `p95(v2v)`, `rate(errors)`: how a metric is named in reports. */
export function metricName(metric: GateMetric): string {
  if (metric.type === 'rate') return `rate(${metric.counter})`;
  const stat = metric.stat.kind === 'percentile' ? `p${metric.stat.percentile}` : metric.stat.kind;
  return `${stat}(${metric.span})`;
}

function compare(measured: number, op: GateOperator, threshold: number): boolean {
  switch (op) {
    case '<':
      return measured < threshold;
    case '<=':
      return measured <= threshold;
    case '>':
      return measured > threshold;
    case '>=':
      return measured >= threshold;
  }
}

/** The percentile as the reports give it: the HDR bucket's value, never above the exact maximum. */
export function spanPercentile(summary: SpanSummary, percentile: number): number {
  const histogram = decodeSummary(summary);
  return Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue) / 1000;
}

function measureSpan(stat: GateStat, summary: SpanSummary): number {
  switch (stat.kind) {
    case 'percentile':
      return spanPercentile(summary, stat.percentile);
    case 'mean':
    case 'min':
    case 'max':
      return summary[stat.kind];
  }
}

function measure(metric: GateMetric, transport: TransportResult): { measured?: number; samples: number; reason?: string } {
  if (metric.type === 'span') {
    const summary = transport.spans[metric.span];
    if (!summary || summary.count === 0) return { samples: 0, reason: `no ${metric.span} samples on this transport` };
    return { measured: measureSpan(metric.stat, summary), samples: summary.count };
  }
  if (metric.counter === 'errors') {
    if (transport.turns === 0) return { samples: 0, reason: 'no turns' };
    return { measured: transport.errors / transport.turns, samples: transport.turns };
  }
  const bargeIn = transport.bargeIn;
  if (!bargeIn || bargeIn.turns === 0) return { samples: 0, reason: 'no scripted barge-in turns on this transport' };
  return { measured: bargeIn.correct / bargeIn.turns, samples: bargeIn.turns };
}

/** Every gate on every transport it covers. A gate with nothing to measure fails: a gate that cannot fail would hold vacuously. */
export function evaluateGates(gates: readonly Gate[], transports: Readonly<Record<ColumnName, TransportResult>>): GateOutcome[] {
  const outcomes: GateOutcome[] = [];
  for (const gate of gates) {
    const unit = gate.metric.type === 'rate' ? '%' : 'ms';
    const scale = unit === '%' ? 100 : 1;
    const covered = Object.keys(transports).filter((name) => gate.transport === undefined || gate.transport === name);
    if (covered.length === 0 && gate.transport !== undefined) {
      outcomes.push({ gate: gate.source, transport: gate.transport, metric: metricName(gate.metric), op: gate.op, threshold: gate.threshold * scale, unit, samples: 0, held: false, reason: 'the transport did not run' });
    }
    for (const name of covered) {
      const transport = transports[name] as TransportResult;
      const { measured, samples, reason } = measure(gate.metric, transport);
      outcomes.push({
        gate: gate.source,
        transport: name,
        metric: metricName(gate.metric),
        op: gate.op,
        threshold: gate.threshold * scale,
        unit,
        ...(measured === undefined ? {} : { measured: measured * scale }),
        samples,
        held: measured !== undefined && compare(measured, gate.op, gate.threshold),
        ...(reason ? { reason } : {}),
      });
    }
  }
  return outcomes;
}

export function gatesHeld(outcomes: readonly GateOutcome[]): boolean {
  return outcomes.every((outcome) => outcome.held);
}
