// test-lane: shared
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

for (const [transport, waitForTurns] of [['rest', 1], ['ws', 1]] as const) {
  test(`Ctrl-C keeps every turn already measured (${transport})`, async () => {
    const out = await mkdtemp(join(tmpdir(), 'voicebench-interrupt-'));
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--transport', transport, '--turns', '50', '--profile', 'constant', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const turnsPath = join(out, 'turns.jsonl');
    while ((await lineCount(turnsPath)) < waitForTurns) await delay(100);
    await delay(1000); // into the next turn: the caller is mid-utterance or the agent mid-answer
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /interrupted/);
    const measured = await lineCount(turnsPath);
    assert.ok(measured >= waitForTurns && measured < 50, `${measured} turns on disk`);
    type Saved = { complete: boolean; transports: Record<string, { turns: number; spans: { v2v?: { count: number } } } | undefined> };
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as Saved;
    assert.equal(result.complete, false);
    assert.equal(result.transports[transport]?.turns, measured);
    assert.equal(result.transports[transport]?.spans.v2v?.count, measured);
  });
}
