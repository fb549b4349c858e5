// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CORPUS_DIR } from '../src/scenarios/corpus.js';
import type { RunResult } from '../src/report/result.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli', 'main.ts')];

function voicebench(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function noStack(stderr: string): void {
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(stderr), `no stack trace: ${stderr}`);
}

test('a bad gate exits 2 before anything runs, listing every problem and the valid names', async () => {
  const out = await mkdtemp(join(tmpdir(), 'voicebench-gate-'));
  const result = voicebench(['run', '--out', out, '--gate', 'p95(v2w) < 800ms', '--gate', 'p95(v2v) < 800', '--gate', 'p95(v2v){transport=ws} < 1s']);
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /--gate "p95\(v2w\) < 800ms": unknown span "v2w"; did you mean "v2v"\? Spans: v2v, endpointing/);
  assert.match(result.stderr, /--gate "p95\(v2v\) < 800": the threshold needs a unit/);
  assert.match(result.stderr, /unknown transport "ws" in the scope.*\(this run measures rest\)/);
  assert.match(result.stderr, /hint: a gate is AGGREGATION\(SPAN\)/);
  noStack(result.stderr);
  await assert.rejects(stat(join(out, 'result.json')), 'the run did not start');

});

test('a failed gate: every report is written, then exit 99; report re-checks a saved run', async () => {
  const corpus = await mkdtemp(join(tmpdir(), 'voicebench-corpus-'));
  for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, `yes${ext}`), join(corpus, `yes${ext}`));
  const out = await mkdtemp(join(tmpdir(), 'voicebench-gate-'));
  const summary = join(out, 'step-summary.md');
  await writeFile(summary, '# earlier step\n');
  const run = voicebench(
    ['run', '--corpus', corpus, '--turns', '1', '--profile', 'constant', '--out', out, '--gate', 'p95(v2v) < 1ms', '--gate', 'rate(errors) < 1%', '--reporter', 'table,html,markdown,junit,github'],
    { GITHUB_STEP_SUMMARY: summary },
  );
  assert.equal(run.status, 99, run.stderr);
  noStack(run.stderr);
  assert.match(run.stderr, /voicebench: gate p95\(v2v\) < 1ms failed on rest: p95\(v2v\) \d+\.\d ms, needs < 1 ms/);
  assert.match(run.stdout, /gates: 1 of 2 gate checks failed/);
  assert.match(run.stdout, /p95\(v2v\) < 1ms\s+│\s+rest\s+│\s+\d+\.\d ms\s+│\s+< 1 ms\s+│\s+✗ FAILED/);
  assert.match(run.stdout, /rate\(errors\) < 1%\s+│\s+rest\s+│\s+0\.0 %\s+│\s+< 1 %\s+│\s+✓ held/);
  assert.match(run.stdout, /^::error title=voicebench gate failed%3A p95\(v2v\) < 1ms \[rest\]::gate p95\(v2v\) < 1ms failed on rest/m);

  const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(saved.complete, true);
  assert.deepEqual(saved.config.gates, ['p95(v2v) < 1ms', 'rate(errors) < 1%']);
  assert.deepEqual(saved.gates?.map((gate) => [gate.gate, gate.transport, gate.held]), [
    ['p95(v2v) < 1ms', 'rest', false],
    ['rate(errors) < 1%', 'rest', true],
  ]);
  assert.equal(saved.gates?.[0]?.measured, saved.transports.rest?.spans.v2v?.p95, 'the gate measured what the table reports');

  const html = await readFile(join(out, 'report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('p95(v2v) &lt; 1ms'), 'the gate is in the HTML report, escaped');
  const markdown = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(markdown, /^### ❌ voicebench: 1 of 2 gate checks failed/);
  const junit = await readFile(join(out, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuites name="voicebench" tests="2" failures="1"/);
  assert.match(junit, /<testcase classname="voicebench\.gates\.rest" name="p95\(v2v\) &lt; 1ms \[rest\]">\s*<failure message="gate p95\(v2v\) &lt; 1ms failed on rest/);
  const steps = await readFile(summary, 'utf8');
  assert.ok(steps.startsWith('# earlier step\n### ❌ voicebench'), 'the job summary is appended to, not replaced');

  const held = voicebench(['report', join(out, 'result.json'), '--gate', 'p95(v2v) < 60s', '--gate', 'rate(errors) <= 0%', '--reporter', 'markdown:-']);
  assert.equal(held.status, 0, held.stderr);
  assert.match(held.stdout, /^### ✅ voicebench: all 2 gate checks held/);
  const again = voicebench(['report', join(out, 'result.json'), '--reporter', 'junit', '--out', join(out, 'again')]);
  assert.equal(again.status, 99, 'the saved gates still fail');
  assert.equal(await readFile(join(out, 'again', 'junit.xml'), 'utf8'), junit);
});
