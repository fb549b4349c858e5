import Table from 'cli-table3';
import { SPAN_NAMES, V2V_OPTIMUM_MS, V2V_TARGET_MS } from '../metrics/spans.js';
import { WATERFALL_SEGMENTS } from '../metrics/waterfall.js';
import type { RunResult, TransportResult } from './result.js';

/** The terminal reporter: result in, text out (writing it is the CLI's job). */
export interface TableOptions {
  color: boolean;
}

const BAR_WIDTH = 40;

function ms(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(value < 10 ? 1 : 0);
}

function verdict(p50: number, options: TableOptions): string {
  const paint = (code: number, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  if (p50 <= V2V_OPTIMUM_MS) return paint(32, `✓ p50 within the ${V2V_OPTIMUM_MS} ms optimum`);
  if (p50 <= V2V_TARGET_MS) return paint(32, `✓ p50 within the ${V2V_TARGET_MS} ms target`);
  return paint(31, `✗ p50 ${ms(p50 - V2V_TARGET_MS)} ms over the ${V2V_TARGET_MS} ms target`);
}

function spanTable(transport: TransportResult): string {
  const table = new Table({ head: ['span', 'count', 'p50', 'p90', 'p95', 'p99', 'max'], style: { head: [], border: [] }, colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'] });
  for (const name of SPAN_NAMES) {
    const summary = transport.spans[name];
    if (!summary) continue;
    table.push([name, summary.count, ms(summary.p50), ms(summary.p90), ms(summary.p95), ms(summary.p99), ms(summary.max)]);
  }
  return table.toString();
}

function waterfallLines(transport: TransportResult): string[] {
  const median = transport.waterfall.medianTurn;
  if (!median) return [];
  const lines = [`median turn waterfall (turn ${median.turnIndex}, ${median.utterance}): v2v ${ms(median.v2v)} ms, critical path`];
  let offsetMs = 0;
  const scale = BAR_WIDTH / Math.max(median.v2v, 1);
  for (const segment of WATERFALL_SEGMENTS) {
    const durationMs = median.segments[segment];
    if (segment !== 'other' && durationMs <= 0) continue;
    const lead = Math.round(offsetMs * scale);
    const width = Math.max(durationMs > 0 ? 1 : 0, Math.round((offsetMs + durationMs) * scale) - lead);
    lines.push(`  ${segment.padEnd(12)}${ms(durationMs).padStart(7)} ms  ${' '.repeat(lead)}${'█'.repeat(width)}`);
    offsetMs += durationMs;
  }
  return lines;
}

export function renderTable(result: RunResult, options: TableOptions): string {
  const lines: string[] = [];
  const { config } = result;
  lines.push(`voicebench ${result.tool.version} · profile ${config.profile} · seed ${config.seed} · ${config.turns} turns · silence timeout ${config.silenceTimeoutMs} ms${result.complete ? '' : ' · INCOMPLETE (interrupted)'}`);
  for (const [name, transport] of Object.entries(result.transports)) {
    if (!transport) continue;
    lines.push('', `${name} (chunking ${transport.chunking}): ${transport.turns} turns, ${transport.errors} errors`);
    lines.push(spanTable(transport));
    const v2v = transport.spans.v2v;
    if (v2v) lines.push(`v2v: ${verdict(v2v.p50, options)} (p95 ${ms(v2v.p95)} ms)`);
    lines.push(...waterfallLines(transport));
  }
  return `${lines.join('\n')}\n`;
}
