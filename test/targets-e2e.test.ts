import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAME_MS } from '../src/audio/pcm.js';
import type { RunResult, TurnRecord } from '../src/report/result.js';
import type { AgentTurnEntry } from '../src/serve/agent-turn-log.js';
import { callerOverheadMs, runVoicebench, startServe, type ServeProcess } from './fixtures/serve-process.js';
import { corpusSubset, percentile } from './helpers.js';

/**
 * voicebench as a black-box caller of an agent in another process: `voicebench serve` runs the
 * streaming agent behind its twilio, openai-realtime and voicebench endpoints, and one run dials
 * all three beside its own `--transport ws`. The agent logs its own marks per turn
 * (`--log-turns`); the caller-side v2v minus the agent's own interval is what the wire and the
 * caller's playout add (every protocol here carries 20 ms frames, played once whole).
 */

const TARGETS = { tw: 'twilio', rt: 'openai-realtime', vb: 'voicebench' } as const;

let serve: ServeProcess;
let dir: string;
let turnLog: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voicebench-targets-'));
  turnLog = join(dir, 'agent-turns.jsonl');
  // --max-ahead 0: reply audio in real time, as a phone network delivers it, so the caller's
  // playout adds one frame and no queue
  serve = await startServe(['--port', '0', '--profile', 'constant', '--max-ahead', '0', '--log-turns', turnLog]);
});

after(() => serve.close());

test("serve's endpoints, one PROTOCOL URL line each on stderr", () => {
  const { endpoints } = serve;
  assert.match(endpoints.get('rest') ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(endpoints.get('voicebench') ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/v1\/stream$/);
  assert.match(endpoints.get('webrtc') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/v1\/whip$/);
  assert.match(endpoints.get('twilio') ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/media$/);
  assert.match(endpoints.get('openai-realtime') ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
});

test('one run, own agent over ws beside serve over twilio, openai-realtime and voicebench: one table, and per turn the caller-side v2v exceeds the agent-side interval by what the wire and playout add', async () => {
  const corpus = await corpusSubset(['yes', 'no-thanks']);
  const out = join(dir, 'run');
  const config = join(dir, 'voicebench.config.yaml');
  const targets = Object.entries(TARGETS).map(([name, protocol]) => `  ${name}:\n    protocol: ${protocol}\n    url: ${serve.endpoints.get(protocol)}\n    hints: true\n`);
  await writeFile(config, `targets:\n${targets.join('')}`);
  const run = await runVoicebench(
    ['run', '--config', config, '--transport', 'ws', ...Object.keys(TARGETS).flatMap((name) => ['--target', name]), '--corpus', corpus, '--turns', '2', '--profile', 'constant', '--out', out, '--reporter', 'table'],
    { OPENAI_API_KEY: 'sk-local-stand-in' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /│ +ws │ +tw │ +rt │ +vb │/, 'the targets are columns beside ws in one table');

  const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(Object.keys(result.transports), ['ws', 'tw', 'rt', 'vb']);
  const records = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as TurnRecord);
  const agentTurns = (await readFile(turnLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AgentTurnEntry);

  for (const [name, protocol] of Object.entries(TARGETS)) {
    assert.deepEqual(result.transports[name]?.target, { protocol, url: serve.endpoints.get(protocol) });
    const caller = records.filter((record) => record.transport === name);
    assert.deepEqual(caller.map((record) => record.error), [undefined, undefined], `${name}: every turn answered`);
    assert.deepEqual(agentTurns.filter((entry) => entry.protocol === protocol).map((entry) => [entry.turn, entry.outcome]), caller.map((record) => [record.turnIndex, 'done']), `${name}: the agent answered the same turns`);
    // twilio and openai-realtime show no stage breakdown; the voicebench protocol reports the
    // agent's own marks, and its stage spans are taken on the agent's clock alone
    const agentStt = agentTurns.filter((entry) => entry.protocol === protocol).map((entry) => (entry.marks['stt.final'] ?? NaN) - (entry.marks.eou ?? NaN));
    assert.deepEqual(caller.map((record) => record.spans.stt), protocol === 'voicebench' ? agentStt : [undefined, undefined], `${name}: stt span`);
    const added = callerOverheadMs(records, agentTurns, name, protocol);
    const shown = added.map((ms) => ms.toFixed(1)).join(', ');
    assert.ok(added.every((ms) => ms >= 0), `${name}: the caller can only hear later than the agent sends (${shown} ms)`);
    assert.ok(percentile(added, 50) <= FRAME_MS + 3, `${name}: p50 ${percentile(added, 50).toFixed(1)} ms, at most the frame + 3 ms (${shown})`);
    assert.ok(Math.max(...added) <= FRAME_MS + 8, `${name}: max ${Math.max(...added).toFixed(1)} ms, at most the frame + 8 ms (${shown})`);
  }
});
