import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { getProfile } from '../src/providers/profiles.js';
import { applyProviderFlags, defaultProviderConfig } from '../src/config/provider-config.js';
import { replyFor } from '../src/providers/sim/replies.js';
import { percentile, runBench } from './helpers.js';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

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

/**
 * What a bare node:http client measures against the same server for the same requests: time from
 * sending to the first token's bytes (chat, streamed) and to the first audio bytes (speech),
 * median of warm requests. It idles through the served latency just as the provider does; on a
 * small VM a process that slept 300 ms takes 1–2 ms to wake, which no client avoids.
 */
async function bareClientMs(): Promise<{ ttftMs: number; ttfbMs: number }> {
  const agent = new Agent({ keepAlive: true });
  const firstBytes = (path: string, payload: object, isFirst: (text: string) => boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(payload);
      let startMs = 0;
      const req = request(`${baseUrl}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let firstMs: number | undefined;
        res.on('data', (data: Buffer) => {
          if (firstMs === undefined && isFirst(data.toString('latin1'))) firstMs = performance.now();
        });
        res.on('end', () => (firstMs === undefined ? reject(new Error(`${path}: nothing came`)) : resolve(firstMs - startMs)));
      });
      req.on('socket', (socket) => socket.setNoDelay(true));
      req.on('error', reject);
      startMs = performance.now();
      req.end(body);
    });
  const ttft: number[] = [];
  const ttfb: number[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      ttft.push(await firstBytes('/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'yes' }] }, (text) => text.includes('"content"')));
      ttfb.push(await firstBytes('/audio/speech', { model: 'm', voice: 'alloy', input: 'Great, you are all set.', response_format: 'pcm' }, () => true));
    }
  } finally {
    agent.destroy();
  }
  return { ttftMs: percentile(ttft.slice(2), 50), ttfbMs: percentile(ttfb.slice(2), 50) };
}

test('the OpenAI-compatible providers, through the real SDK over HTTP against voicebench serve: every stage answers, no span is shorter than the served latency, cold requests are reported apart, and warm llm.ttft and tts.ttfb are within ±2 ms at p50 of what a bare HTTP client measures against the served profile', async () => {
  process.env['VOICEBENCH_TEST_KEY'] = 'sk-test-not-a-real-key';
  const providers = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl, apiKeyEnv: 'VOICEBENCH_TEST_KEY' });
  const { result, turns } = await runBench({ transports: ['rest'], profile: 'constant', seed: 1, turns: 10, providers });
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

  // warm turns: against what a bare HTTP client measures on the same server, the SDK path adds at most 2 ms
  const warm = turns.slice(1);
  const bare = await bareClientMs();
  const ttft = percentile(warm.map((turn) => turn.spans['llm.ttft'] ?? NaN), 50);
  const ttfb = percentile(warm.map((turn) => turn.spans['tts.ttfb'] ?? NaN), 50);
  const detail = `bare client: llm ${bare.ttftMs.toFixed(2)} ms, tts ${bare.ttfbMs.toFixed(2)} ms; llm.ttft ${warm.map((turn) => turn.spans['llm.ttft']?.toFixed(1)).join(' ')}; tts.ttfb ${warm.map((turn) => turn.spans['tts.ttfb']?.toFixed(1)).join(' ')}`;
  assert.ok(bare.ttftMs >= constant.llm.ttft.p50Ms && bare.ttfbMs >= constant.tts.ttfb.p50Ms, `the server keeps its schedule; ${detail}`);
  assert.ok(Math.abs(ttft - bare.ttftMs) <= 2, `llm.ttft p50 ${ttft.toFixed(2)} ms; ${detail}`);
  assert.ok(Math.abs(ttfb - bare.ttfbMs) <= 2, `tts.ttfb p50 ${ttfb.toFixed(2)} ms; ${detail}`);
});
