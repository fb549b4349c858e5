import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const MAIN = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'src', 'cli', 'main.ts');

async function lineCount(path: string): Promise<number> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0).length;
  } catch {
    return 0; // not created yet
  }
}

test('Ctrl-C keeps every turn already measured', async () => {
  const out = await mkdtemp(join(tmpdir(), 'voicebench-interrupt-'));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--turns', '50', '--profile', 'constant', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const turnsPath = join(out, 'turns.jsonl');
  while ((await lineCount(turnsPath)) < 2) await delay(100);
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted/);
  const measured = await lineCount(turnsPath);
  assert.ok(measured >= 2 && measured < 50, `${measured} turns on disk`);
  const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { complete: boolean; transports: { rest?: { turns: number; spans: { v2v?: { count: number } } } } };
  assert.equal(result.complete, false);
  assert.equal(result.transports.rest?.turns, measured);
  assert.equal(result.transports.rest?.spans.v2v?.count, measured);
});
