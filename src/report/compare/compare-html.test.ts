// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildComparison } from './comparison.js';
import { renderCompareHtml } from './compare-html.js';
import { formatDelta, formatInterval, formatP, formatPair } from './compare-format.js';
import { escapeHtml } from '../html/html-document.js';
import type { RunResult } from '../result.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const bargeIn = load('barge-in');
const wifi = load('wifi');

test('a table per transport with every row\'s figures, slower rows marked', () => {
  const comparison = buildComparison([{ label: 'barge-in.json', result: bargeIn }, { label: 'wifi.json', result: wifi }], { regressionThreshold: 0.05 });
  const page = renderCompareHtml(comparison);
  const transports = comparison.candidates[0]?.transports ?? [];
  assert.equal(page.match(/<table class="compare">/g)?.length, transports.length);
  const rows = page.split('<tr').slice(1);
  for (const transport of transports) {
    assert.ok(page.includes(`<h3>${transport.transport}</h3>`));
    for (const row of transport.spans) {
      const html = rows.find((candidate) => candidate.includes(`<code>${row.span}</code>`) && candidate.includes(escapeHtml(formatPair(row, 'p50'))));
      assert.ok(html, `${transport.transport} ${row.span}`);
      for (const cell of [formatDelta(row.deltaP50Ms, row.deltaP50Relative), formatPair(row, 'p95'), formatInterval(row.deltaP95Interval), formatPair(row, 'p99'), formatP(row.mannWhitney?.p)]) {
        assert.ok(html.includes(`>${escapeHtml(cell)}</td>`), `${transport.transport} ${row.span}: ${cell}`);
      }
      const rowClass = row.regression ? 'regression' : row.verdict === 'slower' ? 'slower' : 'neutral';
      assert.ok(html.startsWith(` class="${rowClass}"`), `${row.span}: ${html.slice(0, 40)}`);
      assert.ok(html.includes(`${row.regression ? 'slower: regression' : row.verdict}</td>`));
    }
  }
  assert.match(page, /<p class="summary failed">Regression beyond 5 %: wifi\.json: rest v2v/);
  assert.match(page, /<h2>Method<\/h2>/);
});

test('faster rows are marked faster', () => {
  const page = renderCompareHtml(buildComparison([{ label: 'wifi.json', result: wifi }, { label: 'barge-in.json', result: bargeIn }]));
  assert.match(page, /<tr class="faster">/);
  assert.match(page, /<td class="verdict faster">faster<\/td>/);
  assert.doesNotMatch(page, /class="(slower|regression)"/);
});

test('labels are escaped everywhere, and the page has no script', () => {
  const hostile = '<script>alert("x")</script>&.json';
  const page = renderCompareHtml(buildComparison([{ label: `"><img src=x onerror=alert(1)>`, result: bargeIn }, { label: hostile, result: wifi }], { regressionThreshold: 0.05 }));
  assert.doesNotMatch(page, /<script/i);
  assert.doesNotMatch(page, /<img/i);
  assert.ok(page.includes(escapeHtml(hostile)));
  assert.match(page, /<title>voicebench compare: &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;\.json against &quot;&gt;&lt;img/);
  assert.match(page, /Content-Security-Policy/);
});

test('per transport, both runs\' v2v distributions are drawn on one chart from their per-turn samples', () => {
  const comparison = buildComparison([{ label: 'barge-in.json', result: bargeIn }, { label: 'wifi.json', result: wifi }]);
  const page = renderCompareHtml(comparison);
  for (const transport of comparison.candidates[0]?.transports ?? []) {
    const samples = transport.v2vSamplesMs;
    assert.ok(samples, `${transport.transport}: v2v samples on both sides`);
    assert.equal(samples.baseline.length, transport.spans.find((row) => row.span === 'v2v')?.baseline.count, `${transport.transport}: every baseline turn`);
    for (const [label, values] of [['barge-in.json', samples.baseline], ['wifi.json', samples.candidate]] as const) {
      assert.ok(page.includes(`data-run="${label}" data-samples="${values.length}"`), `${transport.transport} ${label}: a series of ${values.length} turns`);
    }
  }
  assert.equal(page.match(/class="cdf-series"/g)?.length, 2 * (comparison.candidates[0]?.transports.length ?? 0));
});
