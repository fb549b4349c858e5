import Table from 'cli-table3';
import { assertNever } from '../../errors.js';
import type { Comparison, ComparisonMethod, SpanComparison, TransportComparison } from './comparison.js';
import { describeInput, describeMethod, describeTransport, figureCells, intervalHeading, regressionSummary, verdictText } from './compare-format.js';

/** The terminal reporter for `voicebench compare`: comparison in, text out. */
export interface CompareTableOptions {
  color: boolean;
}

const TABLE_STYLE = { head: [], border: [], compact: true };
const RED = 31;
const GREEN = 32;

/** A label as given on the command line, with control characters (an escape sequence in a file name) made visible. */
function printable(label: string): string {
  // eslint-disable-next-line no-control-regex
  return label.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function paint(options: CompareTableOptions, code: number, text: string): string {
  return options.color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function verdictCell(row: SpanComparison, options: CompareTableOptions): string {
  switch (row.verdict) {
    case 'slower':
      return paint(options, RED, `▲ ${verdictText(row)}`);
    case 'faster':
      return paint(options, GREEN, `▼ ${verdictText(row)}`);
    case 'no significant difference':
    case 'too few samples':
      return `  ${row.verdict}`;
    default:
      return assertNever(row.verdict, 'verdict');
  }
}

function transportTable(transport: TransportComparison, method: ComparisonMethod, options: CompareTableOptions): string {
  const table = new Table({
    head: ['span', 'turns', 'p50 ms', 'Δp50', 'p95 ms', 'Δp95', intervalHeading(method), 'p', 'verdict'],
    style: TABLE_STYLE,
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
  for (const row of transport.spans) {
    table.push([
      row.span,
      `${row.baseline.count}/${row.candidate.count}`,
      ...figureCells(row, { p99: false }),
      verdictCell(row, options),
    ]);
  }
  return table.toString();
}

export function renderCompareTable(comparison: Comparison, options: CompareTableOptions): string {
  const [baseline] = comparison.inputs;
  if (!baseline) throw new Error('a comparison without inputs');
  const lines: string[] = [];
  lines.push(`voicebench compare · baseline ${printable(baseline.label)}`);
  for (const [index, input] of comparison.inputs.entries()) lines.push(`  ${index === 0 ? 'baseline ' : 'candidate'} ${printable(input.label)}: ${describeInput(input)}`);
  for (const candidate of comparison.candidates) {
    lines.push('', `${printable(candidate.label)} against ${printable(baseline.label)} (A → B: baseline → candidate)`);
    if (candidate.baselineOnly.length > 0) lines.push(`  not compared, only in ${printable(baseline.label)}: ${candidate.baselineOnly.join(', ')}`);
    if (candidate.candidateOnly.length > 0) lines.push(`  not compared, only in ${printable(candidate.label)}: ${candidate.candidateOnly.join(', ')}`);
    for (const transport of candidate.transports) {
      lines.push(describeTransport(transport, printable(baseline.label), printable(candidate.label)));
      lines.push(transportTable(transport, comparison.method, options));
    }
  }
  const summary = regressionSummary(comparison, printable);
  if (summary) lines.push('', comparison.regression ? paint(options, RED, summary) : paint(options, GREEN, summary));
  lines.push('', describeMethod(comparison.method));
  return `${lines.join('\n')}\n`;
}
