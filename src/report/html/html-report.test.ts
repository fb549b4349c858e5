// test-lane: shared
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluateGates, parseGate } from '../../metrics/gates.js';
import { SPAN_NAMES } from '../../metrics/spans.js';
import type { RunResult, TransportName, TransportResult } from '../result.js';
import { ms } from '../format.js';
import { renderHtmlReport } from './html-report.js';

function load(name: string): RunResult {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
}

const TRANSPORTS: readonly TransportName[] = ['rest', 'ws', 'webrtc'];

function unescape(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every `<tag class="…">` start tag whose class list has `className`, as its attributes (unescaped). */
function elements(page: string, tag: string, className: string): Array<Record<string, string>> {
  const found: Array<Record<string, string>> = [];
  for (const match of page.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const attributes = Object.fromEntries([...(match[1] as string).matchAll(/([a-z-]+)="([^"]*)"/g)].map((pair) => [pair[1] as string, unescape(pair[2] as string)]));
    if ((attributes.class ?? '').split(' ').includes(className)) found.push(attributes);
  }
  return found;
}

/** The page from the element with `marker` in its start tag to the next `until` (a chart, a section). */
function slice(page: string, marker: string, until: string): string {
  const start = page.indexOf(marker);
  assert.ok(start >= 0, `the page has ${marker}`);
  const end = page.indexOf(until, start + marker.length);
  return page.slice(start, end < 0 ? undefined : end);
}

function measured(result: RunResult): Array<[TransportName, TransportResult]> {
  return TRANSPORTS.flatMap((name) => (result.transports[name] ? [[name, result.transports[name] as TransportResult] as [TransportName, TransportResult]] : []));
}

describe('renderHtmlReport', () => {
  test('every string from the result is escaped: transcripts, utterances, file names, errors, gate text', () => {
    const result = load('barge-in');
    const transcript = '</td><script>alert(1)</script>';
    const utterance = '<img src=x onerror=alert(1)>';
    const scenario = 'scenarios/"quick" & \'dirty\'.yaml';
    (result.turns[0] as RunResult['turns'][number]).transcript = transcript;
    (result.turns[1] as RunResult['turns'][number]).utterance = utterance;
    (result.turns[2] as RunResult['turns'][number]).error = { stage: 'llm', message: '<b onmouseover=alert(2)>boom</b>' };
    const median = result.transports.ws?.waterfall.medianTurn;
    assert.ok(median, 'the fixture has a ws median turn');
    median.utterance = utterance;
    result.config.scenario = scenario;
    result.config.corpus = 'corpus/<svg onload=alert(3)>';
    result.config.providers = 'stt <iframe src=//evil>';
    result.config.gates = ['p95(v2v) < 800ms <script>'];
    result.gates = [{ gate: 'p95(v2v) < 800ms <script>', transport: 'ws', metric: 'p95(v2v)', op: '<', threshold: 800, unit: 'ms', measured: 900, samples: 8, held: false }];
    result.transports.rest?.bargeIn?.problems.push('context lost "<u>x</u>"');

    const page = renderHtmlReport(result);
    assert.ok(page.includes('&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;'), 'the transcript, escaped');
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the utterance, escaped');
    assert.ok(page.includes('scenarios/&quot;quick&quot; &amp; &#39;dirty&#39;.yaml'), 'the scenario file, escaped');
    assert.ok(page.includes('&lt;b onmouseover=alert(2)&gt;boom&lt;/b&gt;'), 'the error message, escaped');
    assert.ok(page.includes('context lost &quot;&lt;u&gt;x&lt;/u&gt;&quot;'), 'the barge-in problem, escaped');
    for (const raw of ['<script', '<img', '<svg onload', '<iframe', '<b onmouseover', '<u>', '"quick"']) assert.ok(!page.includes(raw), `no raw ${raw} from the input`);
    // the utterance reaches the waterfall's SVG label as an attribute and as text, escaped in both
    const rows = elements(page, 'g', 'waterfall-row').map((row) => row['data-row']);
    assert.ok(rows.includes('ws · median turn'), JSON.stringify(rows));
    assert.ok(slice(page, 'class="waterfall-row" data-row="ws · median turn"', '</g>').includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  test('the v2v CDF has one series per transport: its count and points are the sorted successful samples', () => {
    const result = load('wifi');
    const failed = result.turns.find((turn) => turn.transport === 'ws' && turn.turnIndex === 3);
    assert.ok(failed, 'the fixture has ws turn 3');
    failed.error = { stage: 'stt', message: 'timed out' };
    const page = renderHtmlReport(result);
    const series = elements(page, 'path', 'cdf-series');
    assert.deepEqual(series.map((path) => path['data-transport']), ['rest', 'ws', 'webrtc']);
    for (const path of series) {
      const name = path['data-transport'] as TransportName;
      const samples = result.turns.filter((turn) => turn.transport === name && !turn.error).map((turn) => turn.spans.v2v as number).sort((a, b) => a - b);
      assert.equal(samples.length, name === 'ws' ? 8 : 9, 'a failed turn is left out');
      assert.equal(Number(path['data-samples']), samples.length);
      const values = (path['data-values'] as string).split(' ').map(Number);
      assert.equal(values.length, samples.length);
      values.forEach((value, index) => assert.ok(Math.abs(value - (samples[index] as number)) < 0.001, `${name} point ${index}: ${value} vs ${samples[index]}`));

      // The drawn path: M x(s1) y0, then V/H alternating; each H lands on the next sample's x, each V rises 1/n.
      const commands = [...(path.d as string).matchAll(/([MHV])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?/g)];
      const xs = commands.filter((c) => c[1] === 'M' || c[1] === 'H').map((c) => Number(c[2]));
      const ys = [Number(commands[0]?.[3]), ...commands.filter((c) => c[1] === 'V').map((c) => Number(c[2]))];
      assert.equal(xs.length, samples.length, 'one step per sample');
      assert.equal(ys.length, samples.length + 1, '0 % then a rise per sample');
      const first = samples[0] as number;
      const last = samples.at(-1) as number;
      const pxPerMs = ((xs.at(-1) as number) - (xs[0] as number)) / (last - first);
      assert.ok(pxPerMs > 0, 'the samples spread along the x axis');
      samples.forEach((sampleMs, index) => assert.ok(Math.abs((xs[0] as number) + (sampleMs - first) * pxPerMs - (xs[index] as number)) < 0.05, `${name} step ${index} is drawn at its sample`));
      const risePx = ((ys[0] as number) - (ys.at(-1) as number)) / samples.length;
      assert.ok(risePx > 0, 'the line rises');
      ys.forEach((y, index) => assert.ok(Math.abs((ys[0] as number) - index * risePx - y) < 0.05, `${name} rise ${index} is 1/n`));
    }
  });

  test("the stage bars carry each transport's p50, p95 and p99 of every span, in span-table order, drawn to scale", () => {
    const result = load('barge-in');
    // eight turns make p95 and p99 the same sample: pull them apart so a swapped stat shows
    for (const [, transport] of measured(result)) {
      for (const summary of Object.values(transport.spans)) {
        summary.p95 += 3.25;
        summary.p99 += 11.5;
      }
    }
    const page = renderHtmlReport(result);
    for (const [name, transport] of measured(result)) {
      const chart = slice(page, `<figure class="stage-chart" data-transport="${name}">`, '</figure>');
      const bars = elements(chart, 'rect', 'bar');
      const spans = SPAN_NAMES.filter((span) => transport.spans[span]);
      assert.deepEqual([...new Set(bars.map((bar) => bar['data-span']))], spans, `${name}: a row per span, in SPAN_NAMES order`);
      for (const span of spans) {
        for (const stat of ['p50', 'p95', 'p99'] as const) {
          const bar = bars.find((candidate) => candidate['data-span'] === span && candidate['data-stat'] === stat);
          assert.ok(bar, `${name} ${span} ${stat}`);
          assert.ok(Math.abs(Number(bar['data-ms']) - (transport.spans[span]?.[stat] as number)) < 0.001, `${name} ${span} ${stat}: ${bar['data-ms']}`);
        }
      }
      const scales = bars.filter((bar) => Number(bar['data-ms']) > 50).map((bar) => Number(bar.width) / Number(bar['data-ms']));
      assert.ok(scales.length > 3, `${name}: bars long enough to measure`);
      for (const scale of scales) assert.ok(Math.abs(scale / (scales[0] as number) - 1) < 0.01, `${name}: bar widths proportional to their values`);
    }
    const table = slice(page, '<table class="spans">', '</table>');
    const v2vRow = slice(table, '<td><code>v2v</code></td>', '</tr>');
    for (const [, transport] of measured(result)) assert.ok(v2vRow.includes(`<td>${ms(transport.spans.v2v?.p95)}</td>`), 'the table has the same numbers');
  });

  test("each transport's median and p95 turn: segments in critical-path order, end to end, summing to the turn's v2v", () => {
    const result = load('wifi');
    const page = renderHtmlReport(result);
    const chart = slice(page, '<svg class="chart waterfall"', '</svg>');
    const rows = elements(chart, 'g', 'waterfall-row');
    assert.deepEqual(rows.map((row) => row['data-row']), TRANSPORTS.flatMap((name) => [`${name} · median turn`, `${name} · p95 turn`]));
    for (const [name, transport] of measured(result)) {
      for (const [which, turn] of [['median turn', transport.waterfall.medianTurn], ['p95 turn', transport.waterfall.p95Turn]] as const) {
        assert.ok(turn, `${name} has a ${which}`);
        const segments = elements(slice(chart, `data-row="${name} · ${which}"`, '</g>'), 'rect', 'segment');
        const sumMs = segments.reduce((sum, segment) => sum + Number(segment['data-ms']), 0);
        assert.ok(Math.abs(sumMs - turn.v2v) < 0.01, `${name} ${which}: segments sum to ${sumMs}, v2v ${turn.v2v}`);
        const order = segments.map((segment) => segment['data-segment']);
        assert.deepEqual(order.slice(0, 2), name === 'rest' ? ['endpointing', 'uplink'] : ['uplink', 'endpointing'], `${name}: the critical path's order`);
        segments.slice(1).forEach((segment, index) => {
          const before = segments[index] as Record<string, string>;
          assert.ok(Math.abs(Number(before.x) + Number(before.width) - Number(segment.x)) < 0.02, `${name} ${which}: ${segment['data-segment']} starts where ${before['data-segment']} ends`);
        });
      }
    }
  });

  test('gates: a failed gate shows as FAILED, a held one as held, with the overall verdict', () => {
    const result = load('barge-in');
    const names = Object.keys(result.transports);
    result.gates = evaluateGates([parseGate('p95(v2v) < 800ms', names), parseGate('p95(v2v) < 5s', names)], result.transports);
    const page = renderHtmlReport(result);
    const section = slice(page, '<section id="gates">', '</section>');
    const rows = [...section.matchAll(/<tr class="gate"[^>]*data-transport="(\w+)" data-held="(true|false)">([\s\S]*?)<\/tr>/g)];
    assert.equal(rows.length, 6);
    for (const [, transport, held, cells] of rows) {
      const outcome = result.gates.find((candidate) => candidate.transport === transport && candidate.held === (held === 'true') && (cells as string).includes(candidate.gate.replace('<', '&lt;')));
      assert.ok(outcome, `${transport} ${held}`);
      assert.match(cells as string, held === 'true' ? /✓ held/ : /✗ FAILED/);
      assert.ok((cells as string).includes(`${(outcome.measured as number).toFixed(1)} ms`), 'the measured value with its unit');
    }
    assert.equal(rows.filter((row) => row[2] === 'false').length, 3, 'every transport is over 800 ms at p95 in this fixture');
    assert.match(section, /class="verdict failed">✗ 3 of 6 gate checks failed/);
    assert.ok(!renderHtmlReport(load('barge-in')).includes('<section id="gates">'), 'no gates section without gates');
  });

  test('an incomplete run says so at the top; a complete one does not', () => {
    const result = load('wifi');
    assert.ok(!renderHtmlReport(result).includes('Incomplete run'), 'no warning on a complete run');
    result.complete = false;
    result.finishedAt = undefined;
    const page = renderHtmlReport(result);
    const header = slice(page, '<header>', '</header>');
    assert.match(header, /<p class="warning" role="alert"><strong>Incomplete run\.<\/strong>/);
    assert.ok(page.includes('not finished'), 'the finish time is missing, and says so');
  });

  test('the page is static: a CSP that forbids scripts and fetches, no script element', () => {
    const page = renderHtmlReport(load('barge-in'));
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    assert.ok(!/<script|javascript:|\son[a-z]+=/i.test(page), 'no script, javascript: URL or event handler');
  });
});
