import { html, htmlDocument, type Html } from '../html/html-document.js';
import type { Comparison, ComparedInput, SpanComparison, TransportComparison } from './comparison.js';
import { cdfChart } from '../html/svg-charts.js';
import { describeInput, describeMethod, describeSide, formatDelta, formatInterval, formatP, formatPair, intervalHeading, regressionSummary, verdictText } from './compare-format.js';

/**
 * `voicebench compare --reporter html`: one self-contained page (no scripts), per transport the
 * two runs' v2v distributions on one chart and a table with slower rows in red and faster in green. Every label goes through the `html`
 * template's escape.
 */

const BASELINE_COLOUR = '#6b7280';
const CANDIDATE_COLOUR = '#1f6fb2';

const CSS = `
figure svg { max-width: 100%; height: auto; }
table.compare { font-size: 13px; }
td.slower { color: var(--bad); }
td.faster { color: var(--good); }
tr.regression td { background: #fdecea; }
td.verdict, th.verdict { text-align: left; }
tr.regression td.verdict { font-weight: 600; }
p.summary { font-weight: 600; }
p.summary.failed { color: var(--bad); }
p.summary.held { color: var(--good); }
`;

/** The verdict's colour: `slower` and `faster` only when significant (otherwise the verdict is neither). */
function verdictClass(row: SpanComparison): string {
  return row.verdict === 'slower' || row.verdict === 'faster' ? row.verdict : 'neutral';
}

function spanRow(row: SpanComparison): Html {
  const tone = verdictClass(row);
  return html`<tr class="${row.regression ? 'regression' : tone}">
<td><code>${row.span}</code></td><td>${row.baseline.count} / ${row.candidate.count}</td>
<td>${formatPair(row, 'p50')}</td><td class="${tone}">${formatDelta(row.deltaP50Ms, row.deltaP50Relative)}</td>
<td>${formatPair(row, 'p95')}</td><td class="${tone}">${formatDelta(row.deltaP95Ms, row.deltaP95Relative)}</td>
<td>${formatInterval(row.deltaP95Interval)}</td><td>${formatPair(row, 'p99')}</td>
<td>${formatP(row.mannWhitney?.p)}</td><td class="verdict ${tone}">${verdictText(row)}</td>
</tr>
`;
}

function transportTable(transport: TransportComparison, comparison: Comparison, baselineLabel: string, candidateLabel: string): Html {
  return html`<h3>${transport.transport}</h3>
<p class="muted">${baselineLabel}: ${describeSide(transport.baseline)} · ${candidateLabel}: ${describeSide(transport.candidate)}</p>
${v2vChart(transport, baselineLabel, candidateLabel)}<table class="compare">
<thead><tr><th>span</th><th>turns</th><th>p50 ms</th><th>Δp50</th><th>p95 ms</th><th>Δp95</th><th>${intervalHeading(comparison.method)}</th><th>p99 ms</th><th>p</th><th class="verdict">verdict</th></tr></thead>
<tbody>
${transport.spans.map(spanRow)}</tbody>
</table>
`;
}

function inputsTable(inputs: readonly ComparedInput[]): Html {
  const rows = inputs.map((input, index) => html`<tr><td>${index === 0 ? 'baseline' : 'candidate'}</td><td class="text"><code>${input.label}</code></td><td class="text">${describeInput(input)}</td></tr>
`);
  return html`<table>
<thead><tr><th></th><th class="text">result</th><th class="text">run</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
`;
}

/** Both sides' v2v, turn by turn, as CDFs on one axis: where the candidate's line runs right of the baseline's, it is slower there. */
function v2vChart(transport: TransportComparison, baselineLabel: string, candidateLabel: string): Html | undefined {
  const samples = transport.v2vSamplesMs;
  if (!samples) return undefined;
  const chart = cdfChart(
    [
      { name: baselineLabel, samplesMs: samples.baseline, colour: BASELINE_COLOUR },
      { name: candidateLabel, samplesMs: samples.candidate, colour: CANDIDATE_COLOUR },
    ],
    { title: `${transport.transport}: voice-to-voice latency of ${candidateLabel} against ${baselineLabel}, share of turns answered within each time`, dataKey: 'run', xTitle: 'voice-to-voice latency (ms)', yTitle: 'share of turns', height: 300 },
  );
  return html`<figure>${chart}<figcaption>Each line rises one step per turn at that turn's v2v. Right of the other line is slower; the dashed lines are the 350 ms optimum and the 500 ms target.</figcaption></figure>`;
}

export function renderCompareHtml(comparison: Comparison): string {
  const [baseline] = comparison.inputs;
  if (!baseline) throw new Error('a comparison without inputs');
  const title = `voicebench compare: ${comparison.candidates.map((candidate) => candidate.label).join(', ')} against ${baseline.label}`;
  const summary = regressionSummary(comparison);
  const sections = comparison.candidates.map((candidate) => {
    const notCompared = [
      ...(candidate.baselineOnly.length > 0 ? [`only in ${baseline.label}: ${candidate.baselineOnly.join(', ')}`] : []),
      ...(candidate.candidateOnly.length > 0 ? [`only in ${candidate.label}: ${candidate.candidateOnly.join(', ')}`] : []),
    ];
    return html`<h2>${candidate.label} against ${baseline.label}</h2>
<p class="muted">A → B is baseline → candidate; Δ is candidate − baseline (positive is slower).</p>
${candidate.transports.map((transport) => transportTable(transport, comparison, baseline.label, candidate.label))}${notCompared.length > 0 ? html`<p class="muted">Not compared: ${notCompared.join('; ')}.</p>
` : undefined}`;
  });
  const body = html`<h1>voicebench compare</h1>
<p class="lede">${comparison.candidates.map((candidate) => candidate.label).join(', ')} against the baseline ${baseline.label}</p>
${summary ? html`<p class="summary ${comparison.regression ? 'failed' : 'held'}">${summary}</p>
` : undefined}${inputsTable(comparison.inputs)}${sections}<h2>Method</h2>
<p class="text">${describeMethod(comparison.method)}</p>
`;
  return htmlDocument(title, body, CSS);
}
