// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildComparison } from './comparison.js';
import { renderCompareTable } from './compare-table.js';
import { formatDelta, formatInterval, formatP, formatPair } from './compare-format.js';
import type { RunResult } from '../result.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const bargeIn = load('barge-in');
const wifi = load('wifi');

test('every row\'s figures and verdict are in the terminal table', () => {
  const comparison = buildComparison([{ label: 'barge-in.json', result: bargeIn }, { label: 'wifi.json', result: wifi }], { regressionThreshold: 0.05 });
  const text = renderCompareTable(comparison, { color: false });
  const lines = text.split('\n');
  for (const transport of comparison.candidates[0]?.transports ?? []) {
    for (const row of transport.spans) {
      const line = lines.find((candidate) => candidate.includes(` ${row.span} `) && candidate.includes(formatPair(row, 'p50')));
      assert.ok(line, `${transport.transport} ${row.span} row`);
      for (const cell of [formatDelta(row.deltaP50Ms, row.deltaP50Relative), formatPair(row, 'p95'), formatDelta(row.deltaP95Ms, row.deltaP95Relative), formatInterval(row.deltaP95Interval), formatP(row.mannWhitney?.p), row.verdict]) {
        assert.ok(line.includes(cell), `${transport.transport} ${row.span}: ${cell} in ${line}`);
      }
      if (row.regression) assert.match(line, /regression/);
    }
  }
  assert.match(text, /Regression beyond 5 %: wifi\.json: rest v2v/);
  assert.match(text, /Mann–Whitney U, two-sided/);
  assert.ok(!text.includes('\u001b'), 'no colour unless asked');
});

test('colour marks slower red and faster green, only when asked', () => {
  const comparison = buildComparison([{ label: 'wifi.json', result: wifi }, { label: 'barge-in.json', result: bargeIn }]);
  const coloured = renderCompareTable(comparison, { color: true });
  assert.ok(coloured.includes('\u001b[32m▼ faster\u001b[0m'));
  assert.doesNotMatch(coloured, /▲/);
  const same = renderCompareTable(buildComparison([{ label: 'a.json', result: bargeIn }, { label: 'b.json', result: bargeIn }]), { color: true });
  assert.doesNotMatch(same, /▲|▼/);
  assert.match(same, /no significant difference/);
});

test('control characters in a label cannot reach the terminal', () => {
  const text = renderCompareTable(buildComparison([{ label: 'a\u001b[2J.json', result: bargeIn }, { label: 'b.json', result: wifi }]), { color: false });
  assert.ok(!text.includes('\u001b'));
  assert.match(text, /a\?\[2J\.json/);
});
