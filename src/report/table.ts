import Table from 'cli-table3';
import { BARGEIN_DETECT_TARGET_MS, SPAN_NAMES } from '../metrics/spans.js';
import { criticalPath, WATERFALL_SEGMENTS } from '../metrics/waterfall.js';
import { columnLabel, deliveryOf, measuredColumns } from './columns.js';
import type { ColumnName, RunResult, TransportResult } from './result.js';
import type { LinkStats, NetworkLinkStats } from '../transports/netem/link-stats.js';
import { describeSpec, isImpaired } from '../transports/netem/network-profile.js';
import { gateMeasured, gateThreshold, gateVerdict, median, ms, signedMs, v2vStanding } from './format.js';

/** The terminal reporter: result in, text out (writing it is the CLI's job). */
export interface TableOptions {
  color: boolean;
}

const BAR_WIDTH = 40;
const TABLE_STYLE = { head: [], border: [], compact: true };


function verdict(p50: number, options: TableOptions): string {
  const { held, text } = v2vStanding(p50);
  const line = `${held ? '✓' : '✗'} p50 ${text}`;
  return options.color ? `\u001b[${held ? 32 : 31}m${line}\u001b[0m` : line;
}

type Measured = [ColumnName, TransportResult];

/** One transport: every percentile of every span it measured. */
function singleSpanTable(transport: TransportResult): string {
  const table = new Table({ head: ['span', 'count', 'p50', 'p90', 'p95', 'p99', 'max'], style: TABLE_STYLE, colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'] });
  for (const name of SPAN_NAMES) {
    const summary = transport.spans[name];
    if (!summary) continue;
    table.push([name, summary.count, ms(summary.p50), ms(summary.p90), ms(summary.p95), ms(summary.p99), ms(summary.max)]);
  }
  return table.toString();
}

/** Several transports side by side: a column group per transport, a row per span. */
function comparisonSpanTable(measured: readonly Measured[]): string {
  const percentiles = ['p50', 'p95', 'p99'] as const;
  const table = new Table({
    style: TABLE_STYLE,
    colAligns: ['left', ...measured.flatMap(() => percentiles.map(() => 'right' as const))],
  });
  table.push([{ content: '' }, ...measured.map(([name, transport]) => ({ content: columnLabel(name, transport), colSpan: percentiles.length, hAlign: 'center' as const }))]);
  table.push(['span', ...measured.flatMap(() => percentiles)]);
  for (const name of SPAN_NAMES) {
    if (!measured.some(([, transport]) => transport.spans[name])) continue;
    table.push([name, ...measured.flatMap(([, transport]) => percentiles.map((p) => ms(transport.spans[name]?.[p])))]);
  }
  return table.toString();
}

/** A turn's critical path as bars on a shared scale, so transports and turns compare by eye. */
function waterfallBars(title: string, name: ColumnName, transport: TransportResult, turn: NonNullable<TransportResult['waterfall']['medianTurn']>, scaleMs: number): string[] {
  const lines = [`${title} (turn ${turn.turnIndex}, ${turn.utterance}): v2v ${ms(turn.v2v)} ms, critical path`];
  let offsetMs = 0;
  const scale = BAR_WIDTH / Math.max(scaleMs, 1);
  // in the order the path walks them (REST's caller endpoints before the upload; a streaming agent after the last frame arrives)
  const order = [...new Set([...criticalPath(deliveryOf(name, transport)).map((step) => step.segment), ...WATERFALL_SEGMENTS])];
  for (const segment of order) {
    const durationMs = turn.segments[segment];
    if (segment !== 'other' && durationMs <= 0) continue;
    const lead = Math.round(offsetMs * scale);
    const width = Math.max(durationMs > 0 ? 1 : 0, Math.round((offsetMs + durationMs) * scale) - lead);
    lines.push(`  ${segment.padEnd(12)}${ms(durationMs).padStart(7)} ms  ${' '.repeat(lead)}${'█'.repeat(width)}`);
    offsetMs += durationMs;
  }
  return lines;
}

/** Each transport's median turn, then (when the network is impaired, where tails differ) its p95 turn. */
function turnWaterfalls(measured: readonly Measured[], withTail: boolean): string[] {
  const turns = measured.flatMap(([name, transport]) => {
    const { medianTurn, p95Turn } = transport.waterfall;
    return [
      ...(medianTurn ? [{ title: `${name} median turn`, name, transport, turn: medianTurn }] : []),
      ...(withTail && p95Turn ? [{ title: `${name} p95 turn`, name, transport, turn: p95Turn }] : []),
    ];
  });
  const scaleMs = Math.max(...turns.map(({ turn }) => turn.v2v));
  return turns.flatMap(({ title, name, transport, turn }) => waterfallBars(title, name, transport, turn, scaleMs));
}

/**
 * Where each transport's time goes, segment by segment: the mean critical path (means add up,
 * so each column sums to that transport's mean v2v), and each transport's difference from the
 * first one.
 */
function waterfallComparison(measured: readonly Measured[]): string[] {
  const withMeans = measured.filter(([, transport]) => transport.waterfall.meanTurn);
  if (withMeans.length < 2) return [];
  const [baseName, base] = withMeans[0] as Measured;
  const others = withMeans.slice(1);
  const table = new Table({
    head: ['mean critical path (ms)', ...withMeans.map(([name]) => name), ...others.map(([name]) => `${name} − ${baseName}`)],
    style: TABLE_STYLE,
    colAligns: ['left', ...withMeans.map(() => 'right' as const), ...others.map(() => 'right' as const)],
  });
  const baseMean = base.waterfall.meanTurn;
  for (const segment of WATERFALL_SEGMENTS) {
    const values = withMeans.map(([, transport]) => transport.waterfall.meanTurn?.segments[segment] ?? 0);
    if (values.every((value) => Math.abs(value) < 0.05) && segment !== 'other') continue;
    table.push([segment, ...values.map(ms), ...others.map(([, transport]) => signedMs((transport.waterfall.meanTurn?.segments[segment] ?? 0) - (baseMean?.segments[segment] ?? 0)))]);
  }
  table.push([
    'v2v (mean)',
    ...withMeans.map(([, transport]) => ms(transport.waterfall.meanTurn?.v2v)),
    ...others.map(([, transport]) => signedMs((transport.waterfall.meanTurn?.v2v ?? 0) - (baseMean?.v2v ?? 0))),
  ]);
  return [table.toString()];
}

/** What the impaired network did: losses each way, and for TCP the retransmission stalls. */
function networkText(network: NetworkLinkStats): string {
  const direction = (name: string, stats: LinkStats): string => {
    const stallText = stats.stallsMs.length > 0 ? `, stalls p50 ${ms(median(stats.stallsMs))} ms max ${ms(Math.max(...stats.stallsMs))} ms` : '';
    return `${name} ${stats.lost}/${stats.packets} lost${stats.queueDrops > 0 ? `, ${stats.queueDrops} queue drops` : ''}${stallText}`;
  };
  return `network ${direction('up', network.uplink)}; ${direction('down', network.downlink)}`;
}

/** WebRTC's or a target's set-up and packet counts: measured outside the turns, so not in the span table. */
function detailsText(transport: TransportResult): string {
  const parts: string[] = [];
  const { connect, rtp } = transport;
  if (transport.target) parts.push(`${transport.target.protocol} ${transport.target.url}, caller-side spans only`);
  if (rtp) {
    parts.push(`${rtp.codec}, jitter buffer ${ms(rtp.jitterBufferMs)} ms`);
    parts.push(`RTP lost ${rtp.uplink.packetsLost}/${rtp.uplink.packetsReceived + rtp.uplink.packetsLost} up, ${rtp.downlink.packetsLost}/${rtp.downlink.packetsReceived + rtp.downlink.packetsLost} down`);
    parts.push(`concealed frames ${rtp.uplink.concealed} up (agent), ${rtp.downlink.concealed} down (caller)${rtp.uplink.late + rtp.downlink.late > 0 ? `, late packets ${rtp.uplink.late} up, ${rtp.downlink.late} down` : ''}`);
  }
  if (transport.network) parts.push(networkText(transport.network));
  if (connect) {
    const warm = connect.warmMs;
    const warmText = warm.length > 0 ? `warm ${ms(median(warm))} ms (median of ${warm.length})` : 'no warm sample';
    parts.push(`connect (${transport.target ? 'handshake → session ready' : 'ICE + DTLS'}, not in v2v): ${connect.coldMs === undefined ? '' : `cold ${ms(connect.coldMs)} ms, `}${warmText}`);
  }
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** Each transport's barge-ins: what happened, the correctness verdict, detection against its 50 ms target. */
function bargeInLines(measured: readonly Measured[], options: TableOptions): string[] {
  const paint = (ok: boolean, text: string): string => (options.color ? `\u001b[${ok ? 32 : 31}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  for (const [name, transport] of measured) {
    const summary = transport.bargeIn;
    if (!summary) continue;
    const parts = [`${summary.interruptions.happened}/${summary.interruptions.expected} interruptions stopped the bot`];
    if (summary.backchannels.expected > 0) parts.push(`${summary.backchannels.interrupted}/${summary.backchannels.expected} backchannels interrupted it`);
    parts.push(`${summary.falseInterruptions} false interruption${summary.falseInterruptions === 1 ? '' : 's'} (paused, resumed)`);
    parts.push(paint(summary.correct === summary.turns, `correct ${summary.correct}/${summary.turns}`));
    lines.push(`barge-in ${name}: ${parts.join(', ')}`);
    const detect = transport.spans['bargein.detect'];
    if (detect) {
      const held = detect.p95 <= BARGEIN_DETECT_TARGET_MS;
      lines.push(`  bargein.detect p50 ${ms(detect.p50)} ms, p95 ${ms(detect.p95)} ms: ${paint(held, held ? `✓ within the ${BARGEIN_DETECT_TARGET_MS} ms target` : `✗ over the ${BARGEIN_DETECT_TARGET_MS} ms target`)}`);
    }
    if (summary.note) lines.push(`  note: ${summary.note}`);
    for (const problem of summary.problems) lines.push(`  ✗ ${problem}`);
  }
  return lines;
}

/** OpenAI-compatible stages: retries, and the cold requests kept out of the histograms. */
function providerLines(measured: readonly Measured[]): string[] {
  const lines: string[] = [];
  for (const [name, transport] of measured) {
    const provider = transport.provider;
    if (!provider) continue;
    const cold = Object.entries(provider.cold).map(([span, values]) => `${span} ${(values ?? []).map((value) => ms(value)).join(', ')} ms`);
    const retries = Object.entries(provider.retries).filter(([, count]) => count > 0).map(([stage, count]) => `${stage} ${count}`);
    lines.push(`providers ${name}: retries ${retries.length > 0 ? retries.join(', ') : 'none'}; cold (a new connection, kept out of the table): ${cold.length > 0 ? cold.join('; ') : 'none'}`);
  }
  return lines;
}

/** Each gate on each transport: what it measured and whether it held. */
function gateLines(result: RunResult, options: TableOptions): string[] {
  const verdict = gateVerdict(result.gates);
  if (!verdict || !result.gates) return [];
  const paint = (ok: boolean, text: string): string => (options.color ? `\u001b[${ok ? 32 : 31}m${text}\u001b[0m` : text);
  const table = new Table({ head: ['gate', 'transport', 'measured', 'needs', 'verdict'], style: TABLE_STYLE, colAligns: ['left', 'left', 'right', 'left', 'left'] });
  for (const outcome of result.gates) table.push([outcome.gate, outcome.transport, gateMeasured(outcome), gateThreshold(outcome), paint(outcome.held, outcome.held ? '✓ held' : '✗ FAILED')]);
  return [`gates: ${paint(verdict.held, verdict.text)}`, table.toString()];
}

/** A column where every turn failed: said before any figure, with the first error and what to do. */
export function unmeasuredLines(name: string, transport: TransportResult): string[] {
  const first = transport.unmeasured?.firstError;
  if (!first) return [];
  return [`${name}: no turn measured: all ${transport.turns} turns failed; the first: ${first.stage}: ${first.message}`, `  hint: ${unmeasuredHint(first.stage)}`];
}

/** What to check, by the class of the first error. */
export function unmeasuredHint(stage: string): string {
  switch (stage) {
    case 'stt':
    case 'llm':
    case 'tts':
      return `the ${stage} provider refused or failed every request: check its base URL, model and key (voicebench.config.yaml, --base-url); each turn's error is in turns.jsonl`;
    case 'endpointing':
      return 'the end of each utterance was not found as the corpus says: check the recordings and their sidecars, or the --silence-timeout; each turn\'s error is in turns.jsonl';
    case 'no_answer':
      return 'the target never answered: check that the agent is up and answers a caller over this protocol, or raise --answer-timeout; each turn\'s error is in turns.jsonl';
    case 'transport':
      return 'the connection failed on every turn: check that the agent is reachable; each turn\'s error is in turns.jsonl';
    default:
      return "each turn's error is in turns.jsonl; the first one says why";
  }
}

export function renderTable(result: RunResult, options: TableOptions): string {
  const lines: string[] = [];
  const { config } = result;
  lines.push(`voicebench ${result.tool.version} · scenario ${config.scenario} · profile ${config.profile} · network ${config.network.name} · seed ${config.seed} · ${config.turns} turns · silence timeout ${config.silenceTimeoutMs} ms${result.complete ? '' : ' · INCOMPLETE (interrupted)'}`);
  if (isImpaired(config.network.spec)) lines.push(`network ${config.network.name}: ${describeSpec(config.network.spec)} each way (decisions seeded by seed ${config.seed})`);
  const measured = measuredColumns(result);
  if (config.providers && !config.providers.startsWith('sim') && !/^stt sim.*\nllm sim.*\ntts sim/.test(config.providers)) lines.push(...config.providers.split('\n'));
  for (const [name, transport] of measured) lines.push(`${name}: ${transport.target ? 'target' : `chunking ${transport.chunking ?? '-'}`}, ${transport.turns} turns, ${transport.errors} errors${detailsText(transport)}`);
  for (const [name, transport] of measured) lines.push(...unmeasuredLines(name, transport));
  lines.push(measured.length === 1 ? singleSpanTable((measured[0] as Measured)[1]) : comparisonSpanTable(measured));
  for (const [name, transport] of measured) {
    const v2v = transport.spans.v2v;
    if (v2v) lines.push(`v2v ${name}: ${verdict(v2v.p50, options)} (p95 ${ms(v2v.p95)} ms)`);
  }
  lines.push(...providerLines(measured));
  lines.push(...bargeInLines(measured, options));
  lines.push(...waterfallComparison(measured));
  lines.push(...turnWaterfalls(measured, isImpaired(config.network.spec)));
  lines.push(...gateLines(result, options));
  return `${lines.join('\n')}\n`;
}
