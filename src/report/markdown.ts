import { BARGEIN_DETECT_TARGET_MS, SPAN_NAMES, V2V_OPTIMUM_MS, V2V_TARGET_MS } from '../metrics/spans.js';
import { WATERFALL_SEGMENTS } from '../metrics/waterfall.js';
import { columnKind, measuredColumns } from './columns.js';
import type { ColumnName, RunResult, TransportResult } from './result.js';
import { gateMeasured, gateThreshold, gateVerdict, ms, v2vStanding } from './format.js';

/**
 * The markdown reporter: a run as GitHub-flavoured markdown, ready to paste as a pull-request
 * comment or to append to a job summary. Pure: result in, text out.
 */

/** Text from input in a markdown table cell: no HTML, no emphasis, no cell breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function tableOf(head: readonly string[], rows: readonly string[][], align: readonly ('l' | 'r')[]): string[] {
  return [row(head), row(align.map((side) => (side === 'r' ? '---:' : ':---'))), ...rows.map(row)];
}

type Measured = [ColumnName, TransportResult];

function gateSection(result: RunResult): string[] {
  if (!result.gates || result.gates.length === 0) return [];
  const rows = result.gates.map((outcome) => [escapeMarkdown(outcome.gate), outcome.transport, escapeMarkdown(gateMeasured(outcome)), escapeMarkdown(gateThreshold(outcome)), outcome.held ? '✅ held' : '❌ **failed**']);
  return ['', ...tableOf(['gate', 'transport', 'measured', 'needs', 'verdict'], rows, ['l', 'l', 'r', 'l', 'l'])];
}

function v2vVerdict(p50: number): string {
  const { held, text } = v2vStanding(p50);
  return `${held ? '✅' : '❌'} ${text}`;
}

function v2vSection(measured: readonly Measured[]): string[] {
  const rows = measured.map(([name, transport]) => {
    const v2v = transport.spans.v2v;
    return [name, escapeMarkdown(columnKind(transport)), String(transport.turns), String(transport.errors), ms(v2v?.p50), ms(v2v?.p95), ms(v2v?.p99), v2v ? v2vVerdict(v2v.p50) : '-'];
  });
  return ['', `**Voice-to-voice (v2v)**, ms: the silence the caller hears. Target ${V2V_TARGET_MS} ms, optimum ${V2V_OPTIMUM_MS} ms.`, '', ...tableOf(['transport', 'chunking', 'turns', 'errors', 'p50', 'p95', 'p99', 'p50 verdict'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'])];
}

function spanSection(measured: readonly Measured[]): string[] {
  const head = ['span', ...measured.flatMap(([name]) => [`${name} p50`, `${name} p95`])];
  const rows = SPAN_NAMES.filter((span) => measured.some(([, transport]) => transport.spans[span])).map((span) => [`\`${span}\``, ...measured.flatMap(([, transport]) => [ms(transport.spans[span]?.p50), ms(transport.spans[span]?.p95)])]);
  return ['', '<details><summary>Every stage, p50 and p95 (ms)</summary>', '', ...tableOf(head, rows, ['l', ...head.slice(1).map(() => 'r' as const)]), '', '</details>'];
}

function bargeInSection(measured: readonly Measured[]): string[] {
  const withBargeIn = measured.filter(([, transport]) => transport.bargeIn);
  if (withBargeIn.length === 0) return [];
  const rows = withBargeIn.map(([name, transport]) => {
    const summary = transport.bargeIn as NonNullable<TransportResult['bargeIn']>;
    const detect = transport.spans['bargein.detect'];
    const detectVerdict = detect ? (detect.p95 <= BARGEIN_DETECT_TARGET_MS ? '✅' : '❌') : '';
    return [
      name,
      `${summary.interruptions.happened}/${summary.interruptions.expected}`,
      `${summary.backchannels.interrupted}/${summary.backchannels.expected}`,
      String(summary.falseInterruptions),
      `${summary.correct === summary.turns ? '✅' : '❌'} ${summary.correct}/${summary.turns}`,
      detect ? `${ms(detect.p50)} / ${ms(detect.p95)} ${detectVerdict}` : '-',
    ];
  });
  return [
    '',
    `**Barge-in**: interruptions that stopped the bot, backchannels that wrongly did, and detection against the ${BARGEIN_DETECT_TARGET_MS} ms target.`,
    '',
    ...tableOf(['transport', 'interruptions stopped', 'backchannels interrupted', 'false interruptions', 'correct', 'detect p50 / p95 (ms)'], rows, ['l', 'r', 'r', 'r', 'l', 'r']),
  ];
}

function waterfallSection(measured: readonly Measured[]): string[] {
  const withMeans = measured.filter(([, transport]) => transport.waterfall.meanTurn);
  if (withMeans.length === 0) return [];
  const shown = WATERFALL_SEGMENTS.filter((segment) => segment === 'other' || withMeans.some(([, transport]) => Math.abs(transport.waterfall.meanTurn?.segments[segment] ?? 0) >= 0.05));
  const rows = shown.map((segment) => [segment, ...withMeans.map(([, transport]) => ms(transport.waterfall.meanTurn?.segments[segment]))]);
  rows.push(['**v2v (mean)**', ...withMeans.map(([, transport]) => `**${ms(transport.waterfall.meanTurn?.v2v)}**`)]);
  return ['', '<details><summary>Where the time goes: the mean critical path (ms)</summary>', '', ...tableOf(['segment', ...withMeans.map(([name]) => name)], rows, ['l', ...withMeans.map(() => 'r' as const)]), '', '</details>'];
}

export function renderMarkdown(result: RunResult): string {
  const { config } = result;
  const verdict = gateVerdict(result.gates);
  const title = verdict ? `${verdict.held ? '✅' : '❌'} voicebench: ${verdict.text}` : 'voicebench results';
  const measured = measuredColumns(result);
  const lines = [
    `### ${title}`,
    '',
    [
      `scenario ${escapeMarkdown(config.scenario)}`,
      `profile ${escapeMarkdown(config.profile)}`,
      `network ${escapeMarkdown(config.network.name)}`,
      `seed ${config.seed}`,
      `${config.turns} turns per column`,
      `voicebench ${escapeMarkdown(result.tool.version)}`,
      ...(result.merged ? [`merged from ${result.merged.shards.length} shards`] : []),
      ...(result.complete ? [] : ['**incomplete: the run was interrupted**']),
    ].join(' · '),
    ...gateSection(result),
    ...v2vSection(measured),
    ...bargeInSection(measured),
    ...spanSection(measured),
    ...waterfallSection(measured),
  ];
  return `${lines.join('\n')}\n`;
}
