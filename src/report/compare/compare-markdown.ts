import { assertNever } from '../../errors.js';
import { escapeMarkdown } from '../markdown.js';
import type { Comparison, SpanComparison, TransportComparison } from './comparison.js';
import { describeInput, describeMethod, describeSide, figureCells, intervalHeading, regressionSummary, verdictText } from './compare-format.js';

/**
 * `voicebench compare --format markdown`: GitHub-flavoured Markdown to paste as a pull-request
 * comment. Labels (file names) are escaped so a `|` cannot split a table cell and `<`, `*` or
 * `[` cannot become markup.
 */


function verdictMark(row: SpanComparison): string {
  if (row.regression) return '🔴';
  switch (row.verdict) {
    case 'slower':
      return '🟠';
    case 'faster':
      return '🟢';
    case 'no significant difference':
      return '⚪';
    case 'too few samples':
      return '❔';
    default:
      return assertNever(row.verdict, 'verdict');
  }
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function transportSection(transport: TransportComparison, comparison: Comparison, baselineLabel: string, candidateLabel: string): string[] {
  const lines = [`**${transport.transport}**: ${baselineLabel} ${describeSide(transport.baseline)}; ${candidateLabel} ${describeSide(transport.candidate)}`, ''];
  lines.push(tableRow(['span', 'turns', 'p50 ms', 'Δp50', 'p95 ms', 'Δp95', intervalHeading(comparison.method), 'p99 ms', 'p', 'verdict']));
  lines.push(tableRow(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']));
  for (const row of transport.spans) {
    lines.push(
      tableRow([
        `\`${row.span}\``,
        `${row.baseline.count} / ${row.candidate.count}`,
        ...figureCells(row, { p99: true }),
        `${verdictMark(row)} ${verdictText(row)}`,
      ]),
    );
  }
  return [...lines, ''];
}

export function renderCompareMarkdown(comparison: Comparison): string {
  const [baseline] = comparison.inputs;
  if (!baseline) throw new Error('a comparison without inputs');
  const baselineLabel = escapeMarkdown(baseline.label);
  const lines = [`## voicebench compare: ${comparison.candidates.map((candidate) => escapeMarkdown(candidate.label)).join(', ')} against ${baselineLabel}`, ''];
  const summary = regressionSummary(comparison, escapeMarkdown);
  if (summary) lines.push(`${comparison.regression ? '🔴' : '🟢'} **${summary}**`, '');
  lines.push(tableRow(['', 'result', 'run']), tableRow(['---', '---', '---']));
  for (const [index, input] of comparison.inputs.entries()) lines.push(tableRow([index === 0 ? 'baseline' : 'candidate', escapeMarkdown(input.label), escapeMarkdown(describeInput(input))]));
  lines.push('');
  for (const candidate of comparison.candidates) {
    const candidateLabel = escapeMarkdown(candidate.label);
    lines.push(`### ${candidateLabel} against ${baselineLabel}`, '');
    lines.push('A → B is baseline → candidate; Δ is candidate − baseline (positive is slower).', '');
    for (const transport of candidate.transports) lines.push(...transportSection(transport, comparison, baselineLabel, candidateLabel));
    if (candidate.baselineOnly.length > 0) lines.push(`Not compared, only in ${baselineLabel}: ${candidate.baselineOnly.join(', ')}.`, '');
    if (candidate.candidateOnly.length > 0) lines.push(`Not compared, only in ${candidateLabel}: ${candidate.candidateOnly.join(', ')}.`, '');
  }
  lines.push('🔴 regression · 🟠 slower · 🟢 faster · ⚪ no significant difference · ❔ too few samples', '');
  lines.push(`**Method.** ${describeMethod(comparison.method)}`, '');
  return lines.join('\n');
}
