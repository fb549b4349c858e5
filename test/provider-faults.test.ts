// test-lane: shared
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyProviderFlags, defaultProviderConfig, type ProviderConfig } from '../src/config/provider-config.js';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { createSimPipeline } from '../src/providers/sim/sim-pipeline.js';
import { startOpenAiApi, type RunningOpenAiApi } from '../src/serve/openai-api.js';
import { DEFAULT_CORPUS_DIR, loadUtterance } from '../src/scenarios/corpus.js';
import type { PlannedTurn } from '../src/caller/turn-plan.js';
import { runBench } from './helpers.js';

/**
 * A real HTTP proxy in front of the sim OpenAI-compatible API that misbehaves on cue: the next
 * request to a path gets a 429 with Retry-After, a 500, a dropped connection, or a stream that
 * stalls after its first chunk; everything else passes through.
 */
type Fault = { path: string; mode: '429' | '500' | 'drop' | 'stall-after-first' | 'always-500' };

let upstream: RunningOpenAiApi;
let proxy: Server;
let proxyUrl: string;
const faults: Fault[] = [];
const seen: string[] = [];

before(async () => {
  const pipeline = createSimPipeline(getProfile('constant'), 1, systemClock);
  await pipeline.prepare();
  upstream = await startOpenAiApi({ pipeline, clock: systemClock, port: 0 });
  const target = new URL(upstream.baseUrl);
  proxy = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v1/, '');
    seen.push(`${req.headers.authorization ?? ''} ${path}`);
    const index = faults.findIndex((fault) => fault.path === path);
    const fault = index >= 0 ? faults[index] : undefined;
    if (fault && fault.mode !== 'always-500') faults.splice(index, 1);
    req.resume();
    if (fault?.mode === '429') return void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"message":"slow down","type":"rate_limit"}}');
    if (fault?.mode === '500' || fault?.mode === 'always-500') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom","type":"server_error"}}');
    if (fault?.mode === 'drop') return void req.socket.destroy();
    req.pause();
    const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (fault?.mode === 'stall-after-first') {
        answer.once('data', (chunk: Buffer) => res.write(chunk)); // then nothing more, and the response never ends
        return;
      }
      answer.pipe(res);
    });
    req.pipe(forward);
    req.resume();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
});

after(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await upstream.close();
});

const FAKE_KEY = 'sk-voicebench-fake-7f3a9c2e1b8d4f60';

function providers(llm: Partial<{ timeoutMs: number; maxRetries: number }>): ProviderConfig {
  process.env['VOICEBENCH_FAULT_KEY'] = FAKE_KEY;
  const config = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl: proxyUrl, apiKeyEnv: 'VOICEBENCH_FAULT_KEY' });
  return { ...config, llm: { ...config.llm, ...llm }, errorRate: { max: 1, minTurns: 1 } };
}

async function plan(): Promise<PlannedTurn[]> {
  return [{ utterance: await loadUtterance(join(DEFAULT_CORPUS_DIR, 'yes.wav')), pauseBeforeMs: 0 }];
}

test('a 429 with Retry-After is retried after the wait it asks for, counted, and the turn succeeds', async () => {
  faults.push({ path: '/chat/completions', mode: '429' });
  const { turns } = await runBench({ transports: ['rest'], profile: 'constant', seed: 1, turns: 1, plan: await plan(), providers: providers({}) });
  const [turn] = turns;
  assert.equal(turn?.error, undefined);
  assert.equal(turn?.provider?.retries.llm, 1);
  // the wait is part of what the caller waited for
  assert.ok((turn?.spans['llm.ttft'] ?? 0) >= 1000 + 300, `llm.ttft ${turn?.spans['llm.ttft']} ms`);
});

test('a 500 and a dropped connection are retried with backoff; both count', async () => {
  faults.push({ path: '/chat/completions', mode: '500' }, { path: '/audio/speech', mode: 'drop' });
  const { turns } = await runBench({ transports: ['rest'], profile: 'constant', seed: 1, turns: 1, plan: await plan(), providers: providers({}) });
  const [turn] = turns;
  assert.equal(turn?.error, undefined);
  assert.deepEqual(turn?.provider?.retries, { stt: 0, llm: 1, tts: 1 });
});

test('a stream that stalls after its first token fails the turn with its stage and class; the run goes on', async () => {
  faults.push({ path: '/chat/completions', mode: 'stall-after-first' });
  const utterances = await plan();
  const { result, turns } = await runBench({ transports: ['rest'], profile: 'constant', seed: 1, turns: 2, plan: [...utterances, ...utterances], providers: providers({ timeoutMs: 1000 }) });
  assert.equal(turns.length, 2);
  assert.equal(turns[0]?.error?.stage, 'llm');
  assert.match(turns[0]?.error?.message ?? '', /llm: stalled: the stream went quiet for 1000 ms/);
  assert.equal(turns[1]?.error, undefined, 'the next turn is measured');
  assert.equal(result.transports.rest?.errors, 1);
});

test('past the error-rate limit the run stops with exit 3, what was measured is on disk, and the key appears nowhere', async () => {
  faults.push({ path: '/chat/completions', mode: 'always-500' });
  try {
    const dir = await mkdtemp(join(tmpdir(), 'voicebench-faults-'));
    const config = join(dir, 'voicebench.config.yaml');
    await writeFile(config, ['llm: { provider: openai, baseUrl: ' + proxyUrl + ', apiKeyEnv: VOICEBENCH_FAULT_KEY, maxRetries: 0 }', 'errorRate: { max: 0.4, minTurns: 2 }', ''].join('\n'));
    const out = join(dir, 'out');
    const cli = ['--import', 'tsx', join(import.meta.dirname ?? '', '..', 'src', 'cli', 'main.ts')];
    // asynchronously: the proxy lives in this process and must keep answering
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...cli, 'run', '--config', config, '--turns', '4', '--out', out], { env: { ...process.env, VOICEBENCH_FAULT_KEY: FAKE_KEY } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /2 of 2 turns failed, more than the 40% the run tolerates; the last: llm: .*server_error/);
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { complete: boolean };
    assert.equal(result.complete, false);
    const lines = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { error?: { stage: string } });
    assert.deepEqual(lines.map((line) => line.error?.stage), ['llm', 'llm']);
    // the key went to the server, as it must, and nowhere else
    assert.ok(seen.some((line) => line.includes(FAKE_KEY)), 'the server received the key');
    for (const text of [run.stdout, run.stderr]) assert.ok(!text.includes(FAKE_KEY));
    for (const name of await readdir(out)) assert.ok(!(await readFile(join(out, name), 'utf8')).includes(FAKE_KEY), `${name} holds no key`);
  } finally {
    faults.length = 0;
  }
});
