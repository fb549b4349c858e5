import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAME_MS } from '../src/audio/pcm.js';
import { getProfile } from '../src/providers/profiles.js';
import { applyProviderFlags, defaultProviderConfig } from '../src/config/provider-config.js';
import { replyFor } from '../src/providers/sim/replies.js';
import type { RunResult, TurnRecord } from '../src/report/result.js';
import type { AgentTurnEntry } from '../src/serve/agent-turn-log.js';
import { callerOverheadMs, runVoicebench, startServe, type ServeProcess } from './fixtures/serve-process.js';
import { corpusSubset, percentile, runBench } from './helpers.js';

/**
 * `voicebench serve` in its own process, as a user runs it, and voicebench dialling it: the
 * OpenAI-compatible API through the real `openai` SDK, and the streaming agent behind its twilio,
 * openai-realtime and voicebench endpoints as three targets beside voicebench's own
 * `--transport ws`. The agent logs its own marks per turn (`--log-turns`); the caller-side v2v
 * minus the agent's own interval is what the wire and the caller's playout add (every protocol
 * here carries 20 ms frames). One serve for all of it: it takes ~8 s to start.
 */

const TARGETS = { tw: 'twilio', rt: 'openai-realtime', vb: 'voicebench' } as const;

let serve: ServeProcess;
let dir: string;
let turnLog: string;
let agentPort: number;

/** A port with the four after it free too: each bound (so none is taken meanwhile), then all released. */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = createServer();
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
    const base = (first.address() as AddressInfo).port;
    const held = [first];
    for (let offset = 1; offset < count && base + offset < 65_536; offset++) {
      const next = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        next.once('error', () => resolve(false));
        next.listen(base + offset, '127.0.0.1', () => resolve(true));
      });
      if (!bound) break;
      held.push(next);
    }
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
    if (held.length === count) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voicebench-targets-'));
  turnLog = join(dir, 'agent-turns.jsonl');
  // --max-ahead 0: reply audio in real time, as a phone network delivers it, so the caller's
  // playout adds one frame and no queue
  agentPort = await freePortRun(5);
  serve = await startServe(['--port', '0', '--agent-port', String(agentPort), '--profile', 'constant', '--max-ahead', '0', '--log-turns', turnLog]);
});

after(() => serve.close());

test('serve prints an http base URL on stdout', () => {
  assert.match(serve.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
});

test('the OpenAI-compatible providers, through the real SDK over HTTP against voicebench serve: every stage answers, no span is shorter than the served latency, cold requests are reported apart; what the SDK path adds over a bare HTTP client is measured in npm run bench', async () => {
  process.env['VOICEBENCH_TEST_KEY'] = 'sk-test-not-a-real-key';
  const providers = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl: serve.baseUrl, apiKeyEnv: 'VOICEBENCH_TEST_KEY' });
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

test('a base URL without /v1: every turn fails on a 404, fewer than errorRate.minTurns, and the run still exits 3 with "no turn measured", the base-URL hint, and result.json saying so', async () => {
  const out = join(dir, 'no-v1');
  const run = await runVoicebench(['run', '--provider', 'openai', '--base-url', serve.baseUrl.replace(/\/v1$/, ''), '--corpus', await corpusSubset(['yes']), '--turns', '2', '--out', out, '--reporter', 'table'], {
    OPENAI_API_KEY: 'sk-local-stand-in',
  });
  assert.equal(run.status, 3, run.stderr);
  assert.match(run.stdout, /^rest: no turn measured: all 2 turns failed; the first: stt: .*404.*\(does the base URL end with the API version, e\.g\. \/v1\?\)$/m);
  assert.match(run.stderr, /^voicebench: rest: no turn measured: all 2 turns failed/m);
  assert.match(run.stderr, /^ {2}hint: the stt provider refused or failed every request: check its base URL/m);
  const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.complete, true, 'the run ran to its end; it measured nothing');
  assert.equal(result.transports.rest?.unmeasured?.firstError.stage, 'stt');
  assert.match(result.transports.rest?.unmeasured?.firstError.message ?? '', /404/);
});

test("serve's endpoints, one PROTOCOL URL line each on stderr, on --agent-port and the four after it", () => {
  assert.deepEqual(Object.fromEntries(serve.endpoints), {
    rest: `http://127.0.0.1:${agentPort}`,
    voicebench: `ws://127.0.0.1:${agentPort + 1}/v1/stream`,
    webrtc: `http://127.0.0.1:${agentPort + 2}/v1/whip`,
    twilio: `ws://127.0.0.1:${agentPort + 3}/media`,
    'openai-realtime': `ws://127.0.0.1:${agentPort + 4}/v1/realtime`,
  });
});

test('a stand-in dialled on a path it does not serve: 404 at the upgrade, exit 3 with the path hint', async () => {
  const url = `ws://127.0.0.1:${agentPort + 3}/twilio`;
  const run = await runVoicebench(['run', '--target', `bot=twilio+${url}`, '--turns', '1', '--out', join(dir, 'wrong-path'), '--quiet']);
  assert.equal(run.status, 3, run.stderr);
  assert.match(run.stderr, new RegExp(`^voicebench: bot: could not reach the agent: ${url.replace(/[./]/g, '\\$&')}: the agent refused the WebSocket upgrade with HTTP 404 Not Found\n  hint: check the path of the target URL`, 'm'));
});

test('one run, own agent over ws beside serve over twilio, openai-realtime and voicebench: one table, and per turn the caller-side v2v exceeds the agent-side interval by what the wire and playout add', async () => {
  const corpus = await corpusSubset(['yes']);
  const out = join(dir, 'run');
  const config = join(dir, 'voicebench.config.yaml');
  // twilio has no end-of-response event: 300 ms of quiet ends a reply here (the stand-in's audio has no gaps)
  const targets = Object.entries(TARGETS).map(([name, protocol]) => `  ${name}:\n    protocol: ${protocol}\n    url: ${serve.endpoints.get(protocol)}\n    hints: true\n${protocol === 'twilio' ? '    replyGapMs: 300\n' : ''}`);
  await writeFile(config, `targets:\n${targets.join('')}`);
  const run = await runVoicebench(
    ['run', '--config', config, '--transport', 'ws', ...Object.keys(TARGETS).flatMap((name) => ['--target', name]), '--corpus', corpus, '--turns', '1', '--profile', 'constant', '--out', out, '--reporter', 'table'],
    { OPENAI_API_KEY: 'sk-local-stand-in' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /│ +ws │ +tw │ +rt │ +vb │/, 'the targets are columns beside ws in one table');

  const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(Object.keys(result.transports), ['ws', 'tw', 'rt', 'vb']);
  const records = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as TurnRecord);
  const agentTurns = (await readFile(turnLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AgentTurnEntry);

  // one turn per protocol here (each turn waits out a ~3 s answer in real time); the distribution,
  // 12 turns per protocol, is npm run bench section 9
  const added: number[] = [];
  for (const [name, protocol] of Object.entries(TARGETS)) {
    assert.deepEqual(result.transports[name]?.target, { protocol, url: serve.endpoints.get(protocol) });
    const caller = records.filter((record) => record.transport === name);
    assert.deepEqual(caller.map((record) => record.error), [undefined], `${name}: the turn was answered`);
    assert.deepEqual(agentTurns.filter((entry) => entry.protocol === protocol).map((entry) => [entry.turn, entry.outcome]), caller.map((record) => [record.turnIndex, 'done']), `${name}: the agent answered the same turns`);
    // twilio and openai-realtime show no stage breakdown; the voicebench protocol reports the
    // agent's own marks, and its stage spans are taken on the agent's clock alone
    const agentStt = agentTurns.filter((entry) => entry.protocol === protocol).map((entry) => (entry.marks['stt.final'] ?? NaN) - (entry.marks.eou ?? NaN));
    assert.deepEqual(caller.map((record) => record.spans.stt), protocol === 'voicebench' ? agentStt : [undefined], `${name}: stt span`);
    added.push(...callerOverheadMs(records, agentTurns, name, protocol));
  }
  const shown = Object.keys(TARGETS).map((name, index) => `${name} ${added[index]?.toFixed(1)}`).join(', ');
  assert.equal(added.length, 3);
  assert.ok(added.every((ms) => ms >= 0), `the caller can only hear later than the agent sends (${shown} ms)`);
  assert.ok(percentile(added, 50) <= FRAME_MS + 3, `p50 ${percentile(added, 50).toFixed(1)} ms, at most the frame + 3 ms (${shown} ms)`);
  assert.ok(Math.max(...added) <= FRAME_MS + 8, `every turn at most the frame + 8 ms (${shown} ms)`);
});
