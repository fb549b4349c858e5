import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { getProfile } from '../src/providers/profiles.js';
import { applyProviderFlags, defaultProviderConfig } from '../src/config/provider-config.js';
import { replyFor } from '../src/providers/sim/replies.js';
import { runBench } from './helpers.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'src', 'cli', 'main.ts')];

let server: ChildProcess;
let baseUrl: string;

/** `voicebench serve` in its own process, as a user would run it: the base URL comes on stdout. */
before(async () => {
  server = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--profile', 'constant'], { stdio: ['ignore', 'pipe', 'pipe'] });
  baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stdout?.on('data', (data: Buffer) => {
      out += data.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    server.stderr?.on('data', (data: Buffer) => (err += data.toString()));
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
});

after(async () => {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
});

test('serve prints an http base URL on stdout', () => {
  assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
});

test('the OpenAI-compatible providers, through the real SDK over HTTP against voicebench serve: every stage answers, no span is shorter than the served latency, cold requests are reported apart; what the SDK path adds over a bare HTTP client is measured in npm run bench', async () => {
  process.env['VOICEBENCH_TEST_KEY'] = 'sk-test-not-a-real-key';
  const providers = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl, apiKeyEnv: 'VOICEBENCH_TEST_KEY' });
  const { result, turns } = await runBench({ transports: ['rest'], profile: 'constant', seed: 1, turns: 4, providers });
  assert.equal(turns.filter((turn) => turn.error).length, 0, JSON.stringify(turns.map((turn) => turn.error)));
  const constant = getProfile('constant');
  for (const turn of turns) {
    // the transcript hint crossed the real server, so the sim LLM answered what was asked
    assert.equal(turn.reply, replyFor([{ role: 'user', content: turn.transcript ?? '' }]), `turn ${turn.turnIndex}`);
    // a span measured over HTTP can only add to what the server waited; marks taken too early would show here
    assert.ok((turn.spans['llm.ttft'] ?? 0) >= constant.llm.ttft.p50Ms - 0.5, `llm.ttft ${turn.spans['llm.ttft']} ms`);
    assert.ok((turn.spans['tts.ttfb'] ?? 0) >= constant.tts.ttfb.p50Ms - 0.5, `tts.ttfb ${turn.spans['tts.ttfb']} ms`);
    assert.ok((turn.spans.stt ?? 0) >= constant.stt.batch.p50Ms - 0.5, `stt ${turn.spans.stt} ms`);
  }
  // keep-alive: the first request opened the connection (cold, reported apart; the three stages share one
  // server here, so the LLM and TTS requests reuse the socket the STT request opened), later ones reused it
  assert.deepEqual(turns[0]?.provider?.coldStages, ['stt']);
  for (const turn of turns.slice(1)) assert.deepEqual(turn.provider?.coldStages ?? [], [], `turn ${turn.turnIndex} reused the connections`);
  const rest = result.transports.rest;
  assert.equal(rest?.provider?.cold.stt?.length, 1, 'the cold stt is kept apart');
  assert.equal(rest?.spans.stt?.count, turns.length - 1, 'and out of the warm histogram');

});
