// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildComparison } from './comparison.js';
import { renderCompareMarkdown } from './compare-markdown.js';
import { escapeMarkdown } from '../markdown.js';
import { formatDelta, formatInterval, formatP, formatPair } from './compare-format.js';
import type { RunResult } from '../result.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
const bargeIn = load('barge-in');
const wifi = load('wifi');

/** Table cells: split on pipes not escaped with a backslash. */
function cells(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
}

test('a heading, one table per transport, every row\'s figures and verdict mark', () => {
  const comparison = buildComparison([{ label: 'barge-in.json', result: bargeIn }, { label: 'wifi.json', result: wifi }], { regressionThreshold: 0.05 });
  const markdown = renderCompareMarkdown(comparison);
  assert.match(markdown, /^## voicebench compare: wifi\.json against barge-in\.json$/m);
  assert.match(markdown, /^🔴 \*\*Regression beyond 5 %: wifi\.json: rest v2v/m);
  const lines = markdown.split('\n');
  const transports = comparison.candidates[0]?.transports ?? [];
  assert.equal(lines.filter((line) => line.startsWith('| span |')).length, transports.length);
  for (const transport of transports) {
    assert.ok(lines.some((line) => line.startsWith(`**${transport.transport}**: barge-in.json ${transport.baseline.turns} turns`)));
    for (const row of transport.spans) {
      const line = lines.find((candidate) => candidate.startsWith(`| \`${row.span}\` |`) && candidate.includes(formatPair(row, 'p50')));
      assert.ok(line, `${transport.transport} ${row.span}`);
      assert.deepEqual(cells(line), [
        `\`${row.span}\``,
        `${row.baseline.count} / ${row.candidate.count}`,
        formatPair(row, 'p50'),
        formatDelta(row.deltaP50Ms, row.deltaP50Relative),
        formatPair(row, 'p95'),
        formatDelta(row.deltaP95Ms, row.deltaP95Relative),
        formatInterval(row.deltaP95Interval),
        formatPair(row, 'p99'),
        formatP(row.mannWhitney?.p),
        `${row.regression ? '🔴' : row.verdict === 'slower' ? '🟠' : '⚪'} ${row.regression ? 'slower: regression' : row.verdict}`,
      ]);
    }
  }
  assert.match(markdown, /^\*\*Method\.\*\* Each span is compared on its per-turn values: Mann–Whitney U/m);
  assert.doesNotMatch(markdown, /https?:|\]\(/, 'link-free');
});

test('pipes and markup in labels are escaped, so tables keep their columns', () => {
  const label = 'runs/a|b <img src=x> *bold* [x](y).json';
  const comparison = buildComparison([{ label: 'base|line.json', result: bargeIn }, { label, result: wifi }], { regressionThreshold: 0.05 });
  const markdown = renderCompareMarkdown(comparison);
  assert.equal(escapeMarkdown(label), 'runs/a\\|b &lt;img src=x&gt; \\*bold\\* \\[x\\]\\(y\\).json');
  assert.ok(markdown.includes(escapeMarkdown(label)));
  assert.ok(!markdown.includes(label));
  assert.ok(!markdown.includes('base|line'));
  assert.ok(markdown.includes('base\\|line.json'));
  // every table's rows have its header's columns
  const tables = markdown.split(/\n(?!\|)/).map((block) => block.split('\n').filter((line) => line.startsWith('|'))).filter((rows) => rows.length > 0);
  assert.equal(tables.length, 1 + (comparison.candidates[0]?.transports.length ?? 0));
  for (const rows of tables) for (const line of rows) assert.equal(cells(line).length, cells(rows[0] as string).length, line);
  assert.equal(escapeMarkdown('two\nlines'), 'two lines');
});

test('a faster candidate and identical results read as such', () => {
  const faster = renderCompareMarkdown(buildComparison([{ label: 'wifi.json', result: wifi }, { label: 'barge-in.json', result: bargeIn }]));
  assert.match(faster, /\| 🟢 faster \|$/m);
  assert.doesNotMatch(faster, /\| 🟠|\| 🔴/);
  assert.match(faster, /No regression threshold was given/);
  const same = renderCompareMarkdown(buildComparison([{ label: 'a.json', result: bargeIn }, { label: 'b.json', result: bargeIn }], { regressionThreshold: 0.05 }));
  assert.match(same, /^🟢 \*\*No regression beyond 5 %\.\*\*$/m);
  assert.doesNotMatch(same, /\| 🟠|\| 🔴|\| 🟢/);
});
