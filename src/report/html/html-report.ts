import type { GateOutcome } from '../../metrics/gates.js';
import { BARGEIN_DETECT_TARGET_MS, SPAN_NAMES, SPANS, V2V_OPTIMUM_MS, V2V_TARGET_MS } from '../../metrics/spans.js';
import { criticalPath, WATERFALL_SEGMENTS, type WaterfallSegment } from '../../metrics/waterfall.js';
import { describeSpec, isImpaired } from '../../transports/netem/network-profile.js';
import type { LinkStats } from '../../transports/netem/link-stats.js';
import { gateMeasured, gateThreshold, gateVerdict, median, ms, v2vStanding } from '../format.js';
import { columnKind, deliveryOf, measuredColumns } from '../columns.js';
import type { ColumnName, RunConfig, RunResult, TransportResult, WaterfallSummary } from '../result.js';
import { spanSamples } from '../turn-samples.js';
import { html, htmlDocument, type Html } from './html-document.js';
import { BAR_STATS, cdfChart, percentileBars, waterfallChart, type WaterfallRow } from './svg-charts.js';

/**
 * The HTML reporter: one self-contained page (inline SVG, no script) for someone choosing
 * between transports, vendors or architectures. Pure: result in, text out. Every string from
 * the result goes through the `html` template, which escapes it.
 */

type Measured = [ColumnName, TransportResult];

const TRANSPORT_COLOURS: Readonly<Record<string, string>> = { rest: '#d9730d', ws: '#1f6fb2', webrtc: '#7b4ea3' };
/** Targets take these in column order. */
const TARGET_COLOURS = ['#2a9d8f', '#c2410c', '#4d7c0f', '#be185d', '#0e7490', '#854d0e'] as const;

/** Each column's colour: a transport's own, a target's by its place among the targets. */
function colours(measured: readonly Measured[]): Map<ColumnName, string> {
  const byName = new Map<ColumnName, string>();
  let target = 0;
  for (const [name, transport] of measured) byName.set(name, transport.target ? (TARGET_COLOURS[target++ % TARGET_COLOURS.length] as string) : (TRANSPORT_COLOURS[name] ?? '#555555'));
  return byName;
}

const SPAN_MEANINGS = new Map(SPANS.map((span) => [span.name, `${span.from} → ${span.to}: ${span.meaning}`]));

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `2026-11-30T21:09:06.451Z` as `2026-11-30 21:09:06 UTC`; anything else as given. */
function wallClock(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** How a p50 v2v stands against the 350 ms optimum and the 500 ms target. */
function v2vVerdict(p50: number): Html {
  const { held, text } = v2vStanding(p50);
  return html`<span class="${held ? 'held' : 'failed'}">${held ? '✓' : '✗'} ${text}</span>`;
}

/** A column heading: numbers align right (the stylesheet's default), `text` and `left` columns left. */
type Column = string | { text: string; className: 'text' | 'left' };

function table(className: string, columns: readonly Column[], rows: readonly Html[]): Html {
  const head = columns.map((column) => (typeof column === 'string' ? html`<th>${column}</th>` : html`<th class="${column.className}">${column.text}</th>`));
  return html`<table class="${className}"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function section(id: string, title: string, body: Html): Html {
  return html`<section id="${id}"><h2>${title}</h2>${body}</section>`;
}

function header(result: RunResult, measured: readonly Measured[]): Html {
  const { config } = result;
  const network = isImpaired(config.network.spec) ? `${config.network.name} (${describeSpec(config.network.spec)} each way)` : `${config.network.name} (unimpaired)`;
  const facts: Array<[string, string]> = [
    ['scenario', config.scenario],
    ['profile', config.profile],
    ['network', network],
    ['seed', String(config.seed)],
    ['scripted turns', String(config.turns)],
    ['started', wallClock(result.startedAt)],
    ['voicebench', result.tool.version],
  ];
  const warning = result.complete
    ? html``
    : html`<p class="warning" role="alert"><strong>Incomplete run.</strong> It was interrupted or is still going:
the figures below cover only the turns measured before it stopped.</p>`;
  const colour = colours(measured);
  const rows = measured.map(([name, transport]) => {
    const v2v = transport.spans.v2v;
    return html`<tr>
<th scope="row"><span class="swatch" style="background:${colour.get(name) ?? ''}"></span>${name}</th>
<td>${columnKind(transport)}</td><td>${transport.turns}</td><td class="${transport.errors > 0 ? 'failed' : ''}">${transport.errors}</td>
<td><strong>${ms(v2v?.p50)}</strong></td><td>${ms(v2v?.p95)}</td><td>${ms(v2v?.p99)}</td>
<td class="text">${v2v ? v2vVerdict(v2v.p50) : 'no successful turn'}</td></tr>`;
  });
  return html`<header><h1>Voice agent latency · ${config.scenario}</h1>
<p class="lede">Voice-to-voice (v2v) is the silence the caller hears between the end of their speech and the bot's first audio.
Human conversation leaves about ${V2V_TARGET_MS} ms; under ${V2V_OPTIMUM_MS} ms feels instant.</p>
${warning}<dl class="facts">${facts.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
${table('summary', ['transport / target', 'chunking or protocol', 'turns', 'errors', 'v2v p50', 'p95', 'p99 (ms)', { text: 'p50 verdict', className: 'text' }], rows)}</header>`;
}

function nav(result: RunResult, measured: readonly Measured[]): Html {
  const links: Array<[string, string]> = [
    ...(result.gates && result.gates.length > 0 ? [['gates', 'Gates'] as [string, string]] : []),
    ['v2v', 'v2v distribution'],
    ['stages', 'Stages'],
    ['waterfall', 'Where the time goes'],
    ...(measured.some(([, transport]) => transport.bargeIn) ? [['barge-in', 'Barge-in'] as [string, string]] : []),
    ['transports', 'Network & transports'],
    ['configuration', 'Configuration'],
    ['turns', 'Every turn'],
  ];
  return html`<nav>${links.map(([id, title]) => html`<a href="#${id}">${title}</a>`)}</nav>`;
}

function gateRow(outcome: GateOutcome): Html {
  const verdict = outcome.held ? html`<span class="held">✓ held</span>` : html`<span class="failed">✗ FAILED</span>`;
  return html`<tr class="gate" data-transport="${outcome.transport}" data-held="${String(outcome.held)}">
<td><code>${outcome.gate}</code></td><td class="text">${outcome.transport}</td>
<td class="${outcome.measured === undefined ? 'text muted' : ''}">${gateMeasured(outcome)}</td><td>${gateThreshold(outcome)}</td>
<td>${outcome.samples}</td><td>${verdict}</td></tr>`;
}

function gatesSection(result: RunResult): Html {
  const verdict = gateVerdict(result.gates);
  if (!verdict || !result.gates) return html``;
  const body = html`<p class="verdict ${verdict.held ? 'held' : 'failed'}">${verdict.held ? '✓' : '✗'} ${verdict.text}</p>
${table('gates', ['gate', { text: 'transport', className: 'text' }, 'measured', 'needs', 'samples', 'verdict'], result.gates.map(gateRow))}`;
  return section('gates', 'Gates', body);
}

function v2vSection(result: RunResult, measured: readonly Measured[]): Html {
  const colour = colours(measured);
  const series = measured.map(([name]) => ({ name, samplesMs: spanSamples(result, name, 'v2v'), colour: colour.get(name) ?? '' }));
  const chart = cdfChart(series, {
    title: 'Voice-to-voice latency per transport: share of turns answered within each time',
    dataKey: 'transport',
    xTitle: 'voice-to-voice latency (ms)',
    yTitle: 'share of turns',
  });
  return section(
    'v2v',
    'Voice-to-voice latency, turn by turn',
    html`<figure>${chart}<figcaption>Each line rises by one step per turn at that turn's v2v: where it crosses 50 % is the median;
the further left and the steeper, the better. Failed turns are left out.</figcaption></figure>`,
  );
}

function stagesSection(measured: readonly Measured[]): Html {
  const present = SPAN_NAMES.filter((span) => measured.some(([, transport]) => transport.spans[span]));
  const sharedMaxMs = Math.max(0, ...measured.flatMap(([, transport]) => Object.values(transport.spans).map((summary) => summary?.p99 ?? 0)));
  const charts = measured.map(([name, transport]) => {
    const rows = SPAN_NAMES.flatMap((span) => {
      const summary = transport.spans[span];
      return summary ? [{ key: span, label: span, values: { p50: summary.p50, p95: summary.p95, p99: summary.p99 } }] : [];
    });
    const chart = percentileBars(rows, { title: `${name}: p50, p95 and p99 of every stage`, dataKey: 'span', maxMs: sharedMaxMs });
    return html`<figure class="stage-chart" data-transport="${name}"><h3>${name} <span class="muted">· ${transport.target ? `${transport.target.protocol} target, caller-side spans only` : `${transport.chunking ?? '-'} chunking`}</span></h3>${chart}</figure>`;
  });
  const groups = measured.map(([name]) => html`<th colspan="3" class="group">${name}</th>`);
  const stats = measured.flatMap(() => BAR_STATS.map((stat) => html`<th>${stat}</th>`));
  const head = html`<tr><th rowspan="2">span</th>${groups}<th rowspan="2" class="text">from → to: meaning</th></tr><tr>${stats}</tr>`;
  const body = present.map((span) => {
    const values = measured.flatMap(([, transport]) => BAR_STATS.map((stat) => html`<td>${ms(transport.spans[span]?.[stat])}</td>`));
    return html`<tr><td><code>${span}</code></td>${values}<td class="text muted">${SPAN_MEANINGS.get(span) ?? ''}</td></tr>`;
  });
  return section(
    'stages',
    'Every stage: p50, p95, p99',
    html`<p class="muted">Stages overlap when streaming, so these do not add up to v2v; the waterfall below does. All charts share one scale.</p>${charts}
<table class="spans"><thead>${head}</thead><tbody>${body}</tbody></table>`,
  );
}

/** The order a column's critical path walks its segments, then the rest (as the terminal table). */
function segmentOrder(name: ColumnName, transport: TransportResult): WaterfallSegment[] {
  return [...new Set([...criticalPath(deliveryOf(name, transport)).map((step) => step.segment), ...WATERFALL_SEGMENTS])];
}

function waterfallRow(name: ColumnName, transport: TransportResult, which: string, turn: NonNullable<WaterfallSummary['p95Turn']>): WaterfallRow {
  return {
    label: `${name} · ${which}`,
    detail: `turn ${turn.turnIndex} · ${turn.utterance}`,
    totalMs: turn.v2v,
    segments: segmentOrder(name, transport).map((segment) => ({ segment, ms: turn.segments[segment] })),
  };
}

function waterfallSection(measured: readonly Measured[]): Html {
  const rows = measured.flatMap(([name, transport]) => {
    const { medianTurn, p95Turn } = transport.waterfall;
    return [...(medianTurn ? [waterfallRow(name, transport, 'median turn', medianTurn)] : []), ...(p95Turn ? [waterfallRow(name, transport, 'p95 turn', p95Turn)] : [])];
  });
  if (rows.length === 0) return section('waterfall', 'Where the time goes', html`<p class="muted">No turn reached the caller's ears, so there is no critical path to show.</p>`);
  const chart = waterfallChart(rows, { title: "Critical path of each transport's median and p95 turn, from the end of the caller's speech to the bot's first audio" });
  const withMeans = measured.filter(([, transport]) => transport.waterfall.meanTurn);
  const shown = WATERFALL_SEGMENTS.filter((segment) => segment === 'other' || withMeans.some(([, transport]) => Math.abs(transport.waterfall.meanTurn?.segments[segment] ?? 0) >= 0.05));
  const meanRows = [
    ...shown.map((segment) => html`<tr><td>${segment}</td>${withMeans.map(([, transport]) => html`<td>${ms(transport.waterfall.meanTurn?.segments[segment])}</td>`)}</tr>`),
    html`<tr class="total"><td>v2v (mean)</td>${withMeans.map(([, transport]) => html`<td>${ms(transport.waterfall.meanTurn?.v2v)}</td>`)}</tr>`,
  ];
  const meanTable = withMeans.length === 0 ? html`` : table('mean-waterfall', ['mean critical path (ms)', ...withMeans.map(([name]) => name)], meanRows);
  return section(
    'waterfall',
    'Where the time goes',
    html`<figure>${chart}<figcaption>Each bar is one real turn's critical path: the stages that stood between the caller falling silent and
hearing the bot, laid end to end so they sum exactly to its v2v. Gaps between stages are <code>other</code>.</figcaption></figure>${meanTable}`,
  );
}

function bargeInSection(measured: readonly Measured[]): Html {
  const withBargeIn = measured.filter(([, transport]) => transport.bargeIn || transport.spans['bargein.detect']);
  if (withBargeIn.length === 0) return html``;
  const rows = withBargeIn.map(([name, transport]) => {
    const summary = transport.bargeIn;
    const detect = transport.spans['bargein.detect'];
    const detectVerdict = detect ? (detect.p95 <= BARGEIN_DETECT_TARGET_MS ? html`<span class="held">✓ within</span>` : html`<span class="failed">✗ over</span>`) : html`-`;
    const correct = summary ? html`<span class="${summary.correct === summary.turns ? 'held' : 'failed'}">${summary.correct}/${summary.turns}</span>` : html`-`;
    return html`<tr data-transport="${name}"><td>${name}</td>
<td>${summary ? `${summary.interruptions.happened}/${summary.interruptions.expected}` : '-'}</td>
<td>${summary ? `${summary.backchannels.interrupted}/${summary.backchannels.expected}` : '-'}</td>
<td>${summary?.falseInterruptions ?? '-'}</td><td>${correct}</td>
<td>${ms(detect?.p50)}</td><td>${ms(detect?.p95)}</td><td>${detectVerdict}</td>
<td>${ms(transport.spans['bargein.stop']?.p95)}</td><td>${ms(transport.spans['bargein.leak']?.p95)}</td></tr>`;
  });
  const notes = withBargeIn.flatMap(([name, transport]) => {
    const summary = transport.bargeIn;
    if (!summary) return [];
    return [
      ...(summary.note ? [html`<li><strong>${name}</strong>: ${summary.note}</li>`] : []),
      ...summary.problems.map((problem) => html`<li class="problem"><strong>${name}</strong> <span class="failed">✗</span> ${problem}</li>`),
    ];
  });
  const columns = [
    'transport', 'interruptions stopped the bot', 'backchannels interrupted it', 'false interruptions', 'correct',
    'detect p50', 'detect p95', `vs ${BARGEIN_DETECT_TARGET_MS} ms`, 'stop p95', 'leaked audio p95',
  ];
  return section(
    'barge-in',
    'Barge-in',
    html`<p class="muted">When the caller speaks over the bot: did interruptions stop it, did backchannels ("uh-huh") wrongly stop it,
and how fast was the speech detected (target ${BARGEIN_DETECT_TARGET_MS} ms at p95). Times in ms.</p>
<div class="scroll">${table('barge-in', columns, rows)}</div>${notes.length > 0 ? html`<ul class="notes">${notes}</ul>` : html``}`,
  );
}

function linkText(stats: LinkStats): string {
  const extras = [...(stats.queueDrops > 0 ? [`${stats.queueDrops} queue drops`] : []), ...(stats.reordered > 0 ? [`${stats.reordered} reordered`] : [])];
  const stalls = stats.stallsMs.length > 0 ? `; TCP stalls p50 ${ms(median(stats.stallsMs))} ms, max ${ms(Math.max(...stats.stallsMs))} ms` : '';
  return `${stats.lost}/${stats.packets} lost${extras.length > 0 ? `, ${extras.join(', ')}` : ''}${stalls}`;
}

function retriesText(retries: Record<string, number>): string {
  const counted = Object.entries(retries).filter(([, count]) => count > 0);
  return counted.length > 0 ? counted.map(([stage, count]) => `${stage} ${count}`).join(', ') : 'none';
}

function coldText(cold: Partial<Record<string, number[]>>): string {
  const spans = Object.entries(cold).map(([span, values]) => `${span} ${(values ?? []).map((value) => ms(value)).join(', ')} ms`);
  return spans.length > 0 ? spans.join('; ') : 'none';
}

/** Transport facts as rows (one column per transport); a row appears when any transport has it. */
const DETAIL_ROWS: ReadonlyArray<[string, (transport: TransportResult) => string | undefined]> = [
  ['chunking', (transport) => transport.chunking],
  ['target', (transport) => (transport.target ? `${transport.target.protocol} ${transport.target.url}` : undefined)],
  ['turns', (transport) => String(transport.turns)],
  ['errors', (transport) => String(transport.errors)],
  ['connect, cold (not in v2v)', (transport) => (transport.connect?.coldMs === undefined ? undefined : `${ms(transport.connect.coldMs)} ms`)],
  ['connect, warm median', (transport) => (transport.connect && transport.connect.warmMs.length > 0 ? `${ms(median(transport.connect.warmMs))} ms (${plural(transport.connect.warmMs.length, 'sample')})` : undefined)],
  ['RTP codec, jitter buffer', (transport) => (transport.rtp ? `${transport.rtp.codec}, ${ms(transport.rtp.jitterBufferMs)} ms` : undefined)],
  ['RTP up: lost / sent', (transport) => (transport.rtp ? `${transport.rtp.uplink.packetsLost}/${transport.rtp.uplink.packetsReceived + transport.rtp.uplink.packetsLost}` : undefined)],
  ['RTP down: lost / sent', (transport) => (transport.rtp ? `${transport.rtp.downlink.packetsLost}/${transport.rtp.downlink.packetsReceived + transport.rtp.downlink.packetsLost}` : undefined)],
  ['frames concealed up / down', (transport) => (transport.rtp ? `${transport.rtp.uplink.concealed} / ${transport.rtp.downlink.concealed}` : undefined)],
  ['late packets up / down', (transport) => (transport.rtp ? `${transport.rtp.uplink.late} / ${transport.rtp.downlink.late}` : undefined)],
  ['network uplink', (transport) => (transport.network ? linkText(transport.network.uplink) : undefined)],
  ['network downlink', (transport) => (transport.network ? linkText(transport.network.downlink) : undefined)],
  ['provider retries', (transport) => (transport.provider ? retriesText(transport.provider.retries) : undefined)],
  ['cold requests (kept out of the stages)', (transport) => (transport.provider ? coldText(transport.provider.cold) : undefined)],
];

function transportsSection(result: RunResult, measured: readonly Measured[]): Html {
  const { network } = result.config;
  const networkLine = isImpaired(network.spec)
    ? html`<p>Network <strong>${network.name}</strong>: ${describeSpec(network.spec)} each way, its random decisions seeded by seed ${result.config.seed}.</p>`
    : html`<p>Network <strong>${network.name}</strong>: loopback, not impaired.</p>`;
  const rows = DETAIL_ROWS.flatMap(([label, read]) => {
    const cells = measured.map(([, transport]) => read(transport));
    if (cells.every((cell) => cell === undefined)) return [];
    return [html`<tr><td>${label}</td>${cells.map((cell) => html`<td class="text">${cell ?? '-'}</td>`)}</tr>`];
  });
  const columns: Column[] = ['', ...measured.map(([name]) => ({ text: name, className: 'text' as const }))];
  return section('transports', 'Network and transports', html`${networkLine}${table('details', columns, rows)}`);
}

/** Every configuration field: a new field in RunConfig does not compile until it is shown here. */
const CONFIG_ROWS: { [Field in keyof Required<RunConfig>]: (config: RunConfig) => string } = {
  scenario: (config) => config.scenario,
  corpus: (config) => config.corpus,
  transports: (config) => config.transports.join(', ') || 'none',
  targets: (config) => ((config.targets ?? []).length > 0 ? (config.targets ?? []).map((target) => `${target.name}: ${target.protocol} ${target.url}; answer timeout ${target.answerTimeoutMs} ms${target.protocol === 'twilio' ? `, reply gap ${target.replyGapMs} ms` : ''}${target.hints ? ', sim-only hints' : ''}${target.settings ? `; ${target.settings}` : ''}${target.keyVariables.length > 0 ? `; keys from $${target.keyVariables.join(', $')}` : ''}`).join('\n') : 'none'),
  turns: (config) => String(config.turns),
  profile: (config) => config.profile,
  providers: (config) => config.providers ?? '-',
  network: (config) => `${config.network.name}: ${describeSpec(config.network.spec)}`,
  seed: (config) => String(config.seed),
  silenceTimeoutMs: (config) => `${config.silenceTimeoutMs} ms`,
  chunking: (config) => (Object.entries(config.chunking) as Array<[string, string]>).map(([name, policy]) => `${name} ${policy}`).join(', '),
  firstPhraseWords: (config) => String(config.firstPhraseWords),
  maxAheadMs: (config) => `${config.maxAheadMs} ms`,
  codec: (config) => config.codec,
  jitterBufferMs: (config) => `${config.jitterBufferMs} ms`,
  vadModel: (config) => config.vadModel,
  bargeInMinSpeechMs: (config) => `${config.bargeInMinSpeechMs} ms`,
  gates: (config) => (config.gates.length > 0 ? config.gates.join('\n') : 'none'),
};

function configurationSection(result: RunResult): Html {
  const configRows = (Object.keys(CONFIG_ROWS) as Array<keyof RunConfig>).map(
    (field) => html`<tr data-field="${field}"><th scope="row">${field}</th><td class="text multiline">${CONFIG_ROWS[field](result.config)}</td></tr>`,
  );
  const { host } = result;
  const versions: Array<[string, string]> = [
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['result schema', String(result.schemaVersion)],
    ['node', host.node],
    ['host', `${host.platform} ${host.arch}, ${plural(host.cpus, 'CPU')} (${host.cpuModel})`],
    ['started', wallClock(result.startedAt)],
    ['finished', result.finishedAt === undefined ? 'not finished' : wallClock(result.finishedAt)],
  ];
  const versionRows = versions.map(([name, value]) => html`<tr><th scope="row">${name}</th><td class="text">${value}</td></tr>`);
  const shards = result.merged
    ? html`<h3>Merged from ${plural(result.merged.shards.length, 'shard')}</h3>${table(
        'shards',
        ['file', 'seed', 'turns', { text: 'started', className: 'left' }],
        result.merged.shards.map((shard) => html`<tr><td>${shard.file}</td><td>${shard.seed}</td><td>${shard.turns}</td><td class="left">${wallClock(shard.startedAt)}</td></tr>`),
      )}`
    : html``;
  return section(
    'configuration',
    'Configuration',
    html`<div class="columns">
<div><h3>Run settings</h3><table class="config"><tbody>${configRows}</tbody></table></div>
<div><h3>Versions and host</h3><table class="versions"><tbody>${versionRows}</tbody></table></div>
</div>${shards}`,
  );
}

function turnsSection(result: RunResult): Html {
  const rows = result.turns.map((turn) => {
    const v2v = turn.spans.v2v;
    const error = turn.error ? html`<span class="failed">${turn.error.stage}: ${turn.error.message}</span>` : html``;
    return html`<tr class="${turn.error ? 'turn failed-turn' : 'turn'}" data-transport="${turn.transport}">
<td>${turn.transport}</td><td>${turn.turnIndex}</td><td class="left">${turn.utterance}</td>
<td class="text">${turn.transcript ?? ''}</td><td class="text">${turn.reply ?? ''}</td><td>${ms(v2v)}</td><td class="text">${error}</td></tr>`;
  });
  const failed = result.turns.filter((turn) => turn.error).length;
  const columns: Column[] = [
    'transport', 'turn', { text: 'utterance', className: 'left' }, { text: 'transcript', className: 'text' },
    { text: 'reply', className: 'text' }, 'v2v (ms)', { text: 'error', className: 'text' },
  ];
  return section(
    'turns',
    'Every turn',
    html`<details><summary>${plural(result.turns.length, 'turn')}${failed > 0 ? `, ${failed} failed` : ''}: what the caller said, what the bot answered, v2v</summary>
<div class="scroll">${table('turns', columns, rows)}</div></details>`,
  );
}

const REPORT_CSS = `
header .lede { max-width: 760px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 10px 0 14px; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; }
.warning { background: #fff4e5; border: 1px solid #f0b429; border-left: 5px solid #d97706; padding: 10px 14px; border-radius: 4px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 8px 0; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); margin: 14px 0 0; }
nav a { color: #1f6fb2; text-decoration: none; }
nav a:hover { text-decoration: underline; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
table.summary td, table.summary th { padding: 5px 12px; }
thead th { color: var(--muted); font-weight: 600; white-space: normal; vertical-align: bottom; }
.scroll { overflow-x: auto; }
th.group { text-align: center; border-bottom: 1px solid var(--ink); }
.verdict { font-size: 15px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 1000px; }
svg .tick, svg .bar-value, svg .row-detail { fill: var(--muted); font-size: 10px; }
svg .axis-title { fill: var(--muted); }
svg .reference-label { font-size: 10px; font-weight: 600; }
svg .row-label { font-size: 11.5px; }
svg .row-total { font-weight: 600; }
svg .segment-label { font-size: 10px; }
.stage-chart h3 { margin-bottom: 0; }
.columns { display: flex; flex-wrap: wrap; gap: 12px 40px; align-items: flex-start; }
table.config th, table.versions th { text-align: left; font-weight: 600; color: var(--muted); }
td.multiline { white-space: pre-line; }
th.left, td.left { text-align: left; }
table.turns { width: 100%; }
table.turns td.text { min-width: 160px; }
details summary { cursor: pointer; color: #1f6fb2; margin: 4px 0 8px; }
ul.notes { margin: 4px 0 12px; padding-left: 20px; }
tr.total td { font-weight: 600; border-top: 1px solid var(--ink); }
@media print { nav { display: none; } details { display: block; } }
`;

export function renderHtmlReport(result: RunResult): string {
  const measured = measuredColumns(result);
  const sections = [
    gatesSection(result),
    v2vSection(result, measured),
    stagesSection(measured),
    waterfallSection(measured),
    bargeInSection(measured),
    transportsSection(result, measured),
    configurationSection(result),
    turnsSection(result),
  ];
  const body = html`${header(result, measured)}${nav(result, measured)}<main>${sections}</main>`;
  return htmlDocument(`voicebench · ${result.config.scenario} · ${result.startedAt}`, body, REPORT_CSS);
}
