// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const CLI = ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts')];

function voicebench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // from the repository root, so that built-ins show as fixtures/scenarios/…
  const result = spawnSync(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertNoStack(stderr: string): void {
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(stderr), `no stack trace: ${stderr}`);
}

test('validate: a built-in by name and by path is ok, exit 0', () => {
  const result = voicebench('validate', 'barge-in', 'fixtures/scenarios/drive-thru.yaml');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'ok  fixtures/scenarios/barge-in.yaml (4 turns, 4 barge-ins)\nok  fixtures/scenarios/drive-thru.yaml (3 turns, 1 barge-in)\n');
  assert.equal(result.stderr, '');
});

test('validate: an invalid file and a missing one are exit 2, every problem on stderr', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-validate-'));
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'name: bad\ndescription: two problems\ntransports: [udp]\nturns:\n  - utterance: yes\n    bargeIn: { utterance: no-thanks, afterBotAudioMs: soon }\n');
  const missing = join(dir, 'missing.yaml');
  const result = voicebench('validate', 'quickstart', bad, missing);
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, 'ok  fixtures/scenarios/quickstart.yaml (9 turns, 0 barge-ins)\n');
  assert.equal(
    result.stderr,
    [
      `${bad}: transports[0]: expected one of rest, ws, webrtc, got "udp"`,
      `${bad}: turns[0].bargeIn.afterBotAudioMs: expected a number ≥ 0, got "soon"`,
      `${missing}: no such file (resolved to ${missing})`,
      'voicebench: 2 of 3 scenario files are invalid',
      '  hint: fix the problems listed above; every key is described in docs/scenarios.md',
      '',
    ].join('\n'),
  );
  assertNoStack(result.stderr);
});

test('validate: an unknown name is exit 2 and lists the built-ins; --help has examples', () => {
  const result = voicebench('validate', 'quikstart');
  assert.equal(result.status, 2, result.stderr);
  assert.ok(result.stderr.includes('no built-in scenario or file "quikstart"; did you mean "quickstart"?'), result.stderr);
  assert.ok(result.stderr.includes('barge-in, drive-thru, lossy-network, noisy-backchannel, quickstart'), result.stderr);
  assertNoStack(result.stderr);
  const help = voicebench('validate', '--help');
  assert.equal(help.status, 0);
  assert.ok(help.stdout.includes('Examples:') && help.stdout.includes('voicebench validate my-scenario.yaml'), help.stdout);
});

test('scenarios lists the built-ins with their files', () => {
  const result = voicebench('scenarios');
  assert.equal(result.status, 0, result.stderr);
  for (const [name, size] of [
    ['barge-in', '4 turns, 4 barge-ins'],
    ['drive-thru', '3 turns, 1 barge-in'],
    ['lossy-network', '40 turns \\(1 × 40\\), 0 barge-ins'],
    ['noisy-backchannel', '2 turns, 2 barge-ins'],
    ['quickstart', '9 turns, 0 barge-ins'],
  ] as const) {
    assert.match(result.stdout, new RegExp(`^${name}  ${size} · .* · fixtures/scenarios/${name}\\.yaml$`, 'm'));
  }
});
