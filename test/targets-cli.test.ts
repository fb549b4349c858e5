// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { runCli } from '../src/cli/program.js';
import type { RunResult, TurnRecord } from '../src/report/result.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { scriptedTwilioAgent, type AgentSide } from './fixtures/scripted-twilio-agent.js';
import { realtimeToneDeltas } from './fixtures/target-calls.js';

/**
 * `voicebench run --target` against agents that fail in one exact way each, scripted by servers
 * written here: what the user is told (exit code, message, hint), that no stack trace and no
 * secret reaches the terminal or --out, and that what was measured is kept.
 */

const corpus = await loadCorpus(DEFAULT_CORPUS_DIR);
const CLI = ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli', 'main.ts')];

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `voicebench-targets-${prefix}-`));
}

async function corpusOf(...ids: string[]): Promise<string> {
  const dir = await tempDir('corpus');
  for (const id of ids) for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, id + ext), join(dir, id + ext));
  return dir;
}

/** A scenario of `yes` twice: two short turns on each call (a call is one pass through the scenario). */
async function twoYeses(dir: string): Promise<string> {
  const file = join(dir, 'two-yeses.yaml');
  await writeFile(file, 'name: two-yeses\ndescription: Two short turns on one call.\nturns:\n  - utterance: yes\n  - utterance: yes\n');
  return file;
}

async function writeConfig(dir: string, text: string): Promise<string> {
  const file = join(dir, 'voicebench.config.yaml');
  await writeFile(file, text);
  return file;
}

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** The CLI in this process (src/cli/program.ts maps errors to exit codes), with `env` set for the call; output captured. */
async function inProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const setEnv = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  let stdout = '';
  let stderr = '';
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((text) => (stdout += text));
  process.stderr.write = capture((text) => (stderr += text));
  setEnv(env);
  try {
    return { status: await runCli(['node', 'voicebench', ...args]), stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = undefined;
    setEnv(saved);
  }
}

/** The CLI as its own process: the real exit code and output. Not spawnSync: the scripted agent lives in this process's event loop. */
function voicebench(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

function noStack(outcome: Outcome, what: string): void {
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(outcome.stderr), `${what}: no stack trace: ${outcome.stderr}`);
}

async function turnsOf(out: string): Promise<TurnRecord[]> {
  const text = await readFile(join(out, 'turns.jsonl'), 'utf8');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as TurnRecord);
}

async function resultOf(out: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
}

/** Every file under `dir`, read whole. */
async function everyFile(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}

/** A loopback port that was open a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a malformed --target or config target exits 2 naming the flag, or the file and field, and the fix; nothing is written to --out', async () => {
  const dir = await tempDir('usage');
  const yes = await corpusOf('yes');
  const good = await writeConfig(await tempDir('good'), 'targets:\n  bot:\n    protocol: twilio\n    url: ws://127.0.0.1:8765/media\n');
  const bad = await writeConfig(
    await tempDir('bad'),
    'targets:\n  bot:\n    protocol: twilio\n    url: http://127.0.0.1:8765/media\n    urll: ws://127.0.0.1:8765/media\n    headers:\n      Authorization: Bearer s3cr3t-in-the-file\n',
  );
  const needsToken = await writeConfig(await tempDir('env'), 'targets:\n  bot:\n    protocol: twilio\n    url: ws://127.0.0.1:8765/media\n    headers:\n      Authorization: "Bearer ${BOT_TOKEN}"\n');
  const cases: Array<[string[], ...string[]]> = [
    [['--target', 'bot=tcp+ws://x'], 'voicebench: --target "bot=tcp+ws://x": unknown protocol "tcp"', 'hint: protocols: twilio, openai-realtime, voicebench'],
    [['--target', 'bot=twilio+notaurl'], '--target "bot=twilio+notaurl": expected a ws:// or wss:// URL, like ws://127.0.0.1:8765/media, got "notaurl"', 'hint: NAME=PROTOCOL+URL'],
    [['--target', 'rest=twilio+ws://127.0.0.1:1/media'], `--target "rest=twilio+ws://127.0.0.1:1/media": "rest" is one of voicebench's own transports; name the target something else`],
    [['--config', good, '--target', 'bott'], `--target bott: no target of that name in ${good}; did you mean "bot"?`, 'give it as bott=PROTOCOL+URL or use one of: bot'],
    [
      ['--config', bad],
      `${bad}: targets.bot.url: expected a ws:// or wss:// URL (the protocols here are WebSocket), got http://…`,
      `${bad}: targets.bot: unknown key "urll"`,
      `${bad}: targets.bot.headers.Authorization: a credential takes its value from the environment, never from the file: write it as "Bearer \${BOT_TOKEN}" and export BOT_TOKEN`,
      'hint: the config format is in docs/providers.md (stages) and docs/targets.md (targets)',
    ],
    [['--config', needsToken], '$BOT_TOKEN is not set, and targets.bot.headers.Authorization needs it', 'hint: export BOT_TOKEN=...; values are read only from the environment'],
  ];
  for (const [index, [args, ...fragments]] of cases.entries()) {
    const out = join(dir, `out-${index}`);
    const result = await inProcess(['run', '--corpus', yes, '--turns', '1', '--quiet', '--out', out, ...args], { BOT_TOKEN: undefined });
    const what = args.join(' ');
    assert.equal(result.status, 2, `${what}: exit code; stderr: ${result.stderr}`);
    for (const fragment of fragments) assert.ok(result.stderr.includes(fragment), `${what}: stderr should say "${fragment}": ${result.stderr}`);
    assert.ok(!result.stderr.includes('s3cr3t-in-the-file'), `${what}: a credential written in the file is not echoed`);
    assert.equal(result.stdout, '', `${what}: nothing on stdout`);
    noStack(result, what);
    await assert.rejects(stat(out), `${what}: nothing written to --out`);
  }
});

test('an agent that cannot be reached exits 3 with one line naming the shown URL and what failed, and a hint; a token the agent echoes never shows', async () => {
  const yes = await corpusOf('yes');
  const dir = await tempDir('dial');
  const TOKEN = 'tok-FAKE-0123456789abcdef';
  const plain = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => plain.once('listening', () => resolve()));
  // refuses every upgrade, echoing the credential it was sent in the status line, as a careless server might
  const authorizations: string[] = [];
  const refusing = createServer();
  refusing.on('upgrade', (request: IncomingMessage, socket) => {
    authorizations.push(request.headers.authorization ?? '');
    socket.end(`HTTP/1.1 401 bad credential ${request.headers.authorization ?? ''}\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', () => resolve()));
  try {
    const port = await closedPort();
    const plainPort = (plain.address() as AddressInfo).port;
    const refusingPort = (refusing.address() as AddressInfo).port;
    const config = await writeConfig(dir, `targets:\n  bot:\n    protocol: twilio\n    url: ws://127.0.0.1:${refusingPort}/media?account=AC123\n    headers:\n      Authorization: "Bearer \${BOT_TOKEN}"\n`);
    const cases: Array<{ args: string[]; line: RegExp; hint: string }> = [
      { args: ['--target', `bot=twilio+ws://127.0.0.1:${port}/media`], line: new RegExp(`^voicebench: bot: could not reach the agent: ws://127\\.0\\.0\\.1:${port}/media: connection refused: nothing is listening there$`), hint: '  hint: start the agent, or check the host and port of the target URL' },
      { args: ['--target', 'bot=twilio+ws://agent.invalid/media'], line: /^voicebench: bot: could not reach the agent: ws:\/\/agent\.invalid\/media: cannot resolve the host agent\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/, hint: '  hint: check the host name in the target URL' },
      {
        args: ['--target', `bot=twilio+wss://127.0.0.1:${plainPort}/media`],
        // OpenSSL's reason alone, not its error stack with source file and line
        line: new RegExp(`^voicebench: bot: could not reach the agent: wss://127\\.0\\.0\\.1:${plainPort}/media: the TLS handshake failed: wrong version number \\([A-Z_]+\\)$`),
        hint: '  hint: the server did not answer in TLS: use ws:// if it serves plain WebSocket, or check the port',
      },
      {
        args: ['--config', config],
        // the query is not shown (tokens often ride there); the echoed token is redacted
        line: new RegExp(`^voicebench: bot: could not reach the agent: ws://127\\.0\\.0\\.1:${refusingPort}/media\\?…: the agent refused the WebSocket upgrade with HTTP 401 bad credential Bearer \\[redacted \\$BOT_TOKEN\\]$`),
        hint: '  hint: check $BOT_TOKEN: the agent refused it',
      },
    ];
    for (const [index, { args, line, hint }] of cases.entries()) {
      const out = join(dir, `out-${index}`);
      const result = await inProcess(['run', '--corpus', yes, '--turns', '1', '--quiet', '--out', out, ...args], { BOT_TOKEN: TOKEN });
      const what = args.join(' ');
      assert.equal(result.status, 3, `${what}: exit code; stderr: ${result.stderr}`);
      assert.equal(result.stderr.split('\n').length, 3, `${what}: one line and its hint: ${result.stderr}`);
      const [message, hintLine] = result.stderr.split('\n') as [string, string];
      assert.match(message, line, what);
      assert.equal(hintLine, hint, what);
      noStack(result, what);
      const outputs: Array<[string, string]> = [['stdout', result.stdout], ['stderr', result.stderr], ...(await everyFile(out))];
      for (const [where, text] of outputs) assert.ok(!text.includes(TOKEN), `${what}: the token is not in ${where}`);
      const saved = await resultOf(out);
      assert.equal(saved.complete, false, `${what}: result.json says the run did not complete`);
      assert.deepEqual(await turnsOf(out), [], `${what}: no turn was measured`);
    }
    assert.deepEqual(authorizations, [`Bearer ${TOKEN}`], 'the header was sent with the value from the environment (so the redaction above was needed)');
  } finally {
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  }
});

test('a target that does not answer: each such turn fails as no_answer after --answer-timeout, the call goes on, and the exit code follows the error rate', async () => {
  const yes = await corpusOf('yes');
  const dir = await tempDir('no-answer');
  const scenario = await twoYeses(dir);

  // answers turn 1 only: turns 0, 2 and 3 fail, 3 of 4 is past the 50% the run tolerates
  const callOfTurn = new Map<number, AgentSide>();
  const sometimes = await scriptedTwilioAgent(
    {
      speechEnded: (turn, side) => {
        callOfTurn.set(turn, side);
        if (turn === 1) setTimeout(() => side.media(400), 100);
      },
    },
    corpus,
  );
  try {
    const config = await writeConfig(dir, `targets:\n  bot:\n    protocol: twilio\n    url: ${sometimes.url}\n    hints: true\n    replyGapMs: 300\n`);
    const out = join(dir, 'out-sometimes');
    const result = await inProcess(['run', '--scenario', scenario, '--corpus', yes, '--turns', '4', '--quiet', '--out', out, '--config', config, '--answer-timeout', '500']);
    assert.equal(result.status, 3, result.stderr);
    assert.equal(
      result.stderr,
      `voicebench: bot: 3 of 4 turns failed, more than the 50% the run tolerates; the last: no_answer: ${join(yes, 'yes.wav')}: no audible answer within 500 ms of the caller's speech end\n  hint: partial results are in ${out}; raise errorRate.max in voicebench.config.yaml to tolerate more\n`,
    );
    noStack(result, 'sometimes');
    const turns = await turnsOf(out);
    assert.deepEqual(turns.map((turn) => [turn.turnIndex, turn.error?.stage]), [[0, 'no_answer'], [1, undefined], [2, 'no_answer'], [3, 'no_answer']]);
    for (const turn of turns.filter((record) => record.error)) assert.equal(turn.error?.message, `${join(yes, 'yes.wav')}: no audible answer within 500 ms of the caller's speech end`);
    assert.ok((turns[1]?.spans.v2v ?? NaN) >= 100, `turn 1 was measured: v2v ${turns[1]?.spans.v2v} ms for an answer sent 100 ms after the speech end`);
    // a call is a pass through the scenario: turn 1 was spoken on the call whose turn 0 went unanswered
    assert.equal(sometimes.agents.length, 2, 'two calls of two turns');
    assert.equal(callOfTurn.get(1), callOfTurn.get(0), 'the call went on after no_answer');
    assert.equal(callOfTurn.get(3), callOfTurn.get(2));
    assert.notEqual(callOfTurn.get(2), callOfTurn.get(0));
    const saved = await resultOf(out);
    assert.equal(saved.config.targets?.[0]?.answerTimeoutMs, 500);
    assert.equal(saved.transports.bot?.errors, 3);
    assert.equal(saved.transports.bot?.spans.v2v?.count, 1);
  } finally {
    await sometimes.close();
  }

  // never answers: below errorRate.minTurns the run goes to its end, every report is written and the
  // gate is judged; a column that measured no turn then makes it exit 3, not 99 and never 0
  const never = await scriptedTwilioAgent({}, corpus);
  try {
    const config = await writeConfig(dir, `targets:\n  bot:\n    protocol: twilio\n    url: ${never.url}\n    hints: true\n`);
    const out = join(dir, 'out-never');
    const result = await inProcess(['run', '--scenario', scenario, '--corpus', yes, '--quiet', '--out', out, '--config', config, '--answer-timeout', '500', '--gate', 'rate(errors) < 50%']);
    assert.equal(result.status, 3, result.stderr);
    assert.equal(
      result.stderr,
      `voicebench: gate rate(errors) < 50% failed on bot: rate(errors) 100.0 %, needs < 50 %\nvoicebench: bot: no turn measured: all 2 turns failed; the first: no_answer: ${join(yes, 'yes.wav')}: no audible answer within 500 ms of the caller's speech end\n  hint: the target never answered: check that the agent is up and answers a caller over this protocol, or raise --answer-timeout; each turn's error is in turns.jsonl\n`,
    );
    assert.match(result.stdout, /^bot: no turn measured: all 2 turns failed; the first: no_answer: /m);
    assert.equal((await resultOf(out)).transports.bot?.unmeasured?.firstError.stage, 'no_answer');
    assert.match(result.stdout, /bot: target, 2 turns, 2 errors/);
    const turns = await turnsOf(out);
    assert.deepEqual(turns.map((turn) => [turn.turnIndex, turn.error?.stage]), [[0, 'no_answer'], [1, 'no_answer']]);
    assert.equal(never.agents.length, 1, 'both turns on one call');
    assert.equal((await resultOf(out)).complete, true);
  } finally {
    await never.close();
  }
});

test('a protocol violation fails its turn naming the message: a binary frame, text that is not JSON, an unknown event, a payload of the wrong size', async () => {
  const yes = await corpusOf('yes');
  const dir = await tempDir('protocol');
  // one violation per call (a one-utterance corpus: each turn is a call), sent once the caller has spoken
  const violations: Array<(socket: WebSocket, streamSid: string) => void> = [
    (socket) => socket.send(Buffer.from([1, 2, 3, 4, 5]), { binary: true }),
    (socket) => socket.send('{"event": "media", oops'),
    (socket, streamSid) => socket.send(JSON.stringify({ event: 'hello', streamSid })),
    (socket, streamSid) => socket.send(JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.alloc(3).toString('base64') } })),
  ];
  const agent = await scriptedTwilioAgent({ speechEnded: (turn, side) => violations[turn]?.(side.socket, side.streamSid) }, corpus);
  try {
    const config = await writeConfig(
      dir,
      `errorRate: { max: 1 }\ntargets:\n  bot:\n    protocol: twilio\n    url: ${agent.url}\n    hints: true\n    twilio: { mediaFormat: { encoding: audio/x-l16, sampleRate: 16000 } }\n`,
    );
    const out = join(dir, 'out');
    const result = await inProcess(['run', '--corpus', yes, '--turns', '4', '--quiet', '--out', out, '--config', config, '--answer-timeout', '500']);
    // errorRate.max 1 lets every turn fail without stopping the run; measuring none of them is exit 3
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /^voicebench: bot: no turn measured: all 4 turns failed; the first: agent: protocol error from the agent: a binary WebSocket frame/);
    assert.match(result.stdout, /bot: target, 4 turns, 4 errors/);
    const turns = await turnsOf(out);
    assert.deepEqual(
      turns.map((turn) => turn.error),
      [
        { stage: 'agent', message: 'protocol error from the agent: a binary WebSocket frame of 5 bytes: Twilio takes JSON text frames only' },
        { stage: 'agent', message: 'protocol error from the agent: not JSON: {"event": "media", oops' },
        { stage: 'agent', message: `protocol error from the agent: a message Twilio does not take (event "hello"): event: Invalid discriminator value. Expected 'media' | 'mark' | 'clear'; Twilio takes media, mark and clear` },
        { stage: 'agent', message: 'protocol error from the agent: a media payload of 3 bytes: audio/x-l16 has 2 bytes per sample' },
      ],
    );
    assert.equal(agent.agents.length, 4, 'each violation failed its own turn, on its own call');
  } finally {
    await agent.close();
  }
});

test('a connection closed mid-call: the answer that had come is kept, the call\'s other turns fail, and the next call dials again', async () => {
  const yes = await corpusOf('yes');
  const dir = await tempDir('closed');
  const scenario = await twoYeses(dir);
  const agent = await scriptedTwilioAgent(
    {
      speechEnded: (turn, side) => {
        if (turn === 0 || turn === 2) setTimeout(() => side.media(400), 100);
        // says its answer and hangs up at once, as a bot that ends the call does
        if (turn === 0) setTimeout(() => side.socket.close(1000, 'goodbye'), 100);
      },
      // drops the second call while the caller is still speaking
      speechStarted: (turn, side) => (turn === 3 ? side.socket.close(1011, 'agent restarting') : undefined),
    },
    corpus,
  );
  try {
    const config = await writeConfig(dir, `targets:\n  bot:\n    protocol: twilio\n    url: ${agent.url}\n    hints: true\n    replyGapMs: 300\n`);
    const out = join(dir, 'out');
    const result = await inProcess(['run', '--scenario', scenario, '--corpus', yes, '--turns', '4', '--quiet', '--out', out, '--config', config, '--answer-timeout', '1000']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    noStack(result, 'closed');
    assert.match(result.stdout, /bot: target, 4 turns, 2 errors/);
    const turns = await turnsOf(out);
    assert.deepEqual(
      turns.map((turn) => [turn.turnIndex, turn.error]),
      [
        [0, undefined],
        [1, { stage: 'transport', message: 'the agent closed the connection (1000: goodbye)' }],
        [2, undefined],
        [3, { stage: 'transport', message: 'the agent closed the connection (1011: agent restarting)' }],
      ],
    );
    for (const index of [0, 2]) assert.ok((turns[index]?.spans.v2v ?? NaN) >= 100, `turn ${index}: v2v ${turns[index]?.spans.v2v} ms for an answer sent 100 ms after the speech end`);
    assert.equal(agent.agents.length, 2, 'the second pass dialled a new call');
    const saved = await resultOf(out);
    assert.equal(saved.complete, true);
    assert.deepEqual(saved.turns, turns, 'result.json holds every turn of turns.jsonl');
    assert.equal(saved.transports.bot?.spans.v2v?.count, 2, 'both answers measured');
    assert.equal(saved.transports.bot?.errors, 2);
    assert.equal(saved.transports.bot?.connect?.warmMs.length, 1, 'one cold and one warm call set-up');
    assert.equal(typeof saved.transports.bot?.connect?.coldMs, 'number');
  } finally {
    await agent.close();
  }
});


/**
 * A Realtime server that takes only `Bearer <key>` and then echoes the key back every way it can:
 * call 0 answers with a transcript quoting it, call 1 reports an `error` event quoting it, call 2
 * closes with a reason quoting it, call 3 (and any call to /refuse…) refuses the session quoting it.
 */
async function echoingRealtimeServer(key: string): Promise<{ url: string; authorizations: string[]; close(): Promise<void> }> {
  const authorizations: string[] = [];
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    verifyClient: (info: { req: IncomingMessage }) => {
      authorizations.push(info.req.headers.authorization ?? '');
      return info.req.headers.authorization === `Bearer ${key}`;
    },
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const quoted = `Incorrect API key provided: ${key}`;
  let calls = 0;
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const call = request.url?.startsWith('/refuse') ? 3 : calls++;
    const send = (event: Record<string, unknown>): void => socket.send(JSON.stringify(event));
    send({ type: 'session.created', session: { id: `sess_${call}`, type: 'realtime' } });
    let frames = 0;
    let due: number | undefined;
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as Record<string, unknown>;
      if (event['type'] === 'session.update') {
        send(call === 3 ? { type: 'error', error: { type: 'invalid_request_error', code: 'invalid_api_key', message: quoted } } : { type: 'session.updated', session: event['session'] });
      }
      if (event['type'] === 'voicebench.turn') due = frames + Number(event['speechEndFrame']) + 1;
      if (event['type'] !== 'input_audio_buffer.append' || ++frames !== due) return;
      if (call === 0) {
        send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 0, item_id: 'user_0' });
        send({ type: 'response.output_audio_transcript.delta', response_id: 'resp_0', item_id: 'item_0', output_index: 0, content_index: 0, delta: `you sent ${key}` });
        for (const delta of realtimeToneDeltas(300)) send({ type: 'response.output_audio.delta', response_id: 'resp_0', item_id: 'item_0', output_index: 0, content_index: 0, delta });
        send({ type: 'response.done', response: { id: 'resp_0', status: 'completed' } });
      } else if (call === 1) {
        send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_api_key', message: quoted } });
      } else if (call === 2) {
        socket.close(4001, `invalid key ${key}`);
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

test('OpenAI Realtime: the API key is never in stdout, stderr or any file under --out, however the server echoes it', async () => {
  const KEY = 'sk-test-FAKEKEY-1234567890abcdef';
  const yes = await corpusOf('yes');
  const dir = await tempDir('realtime');
  const server = await echoingRealtimeServer(KEY);
  try {
    const config = await writeConfig(dir, `errorRate: { max: 1 }\ntargets:\n  rt:\n    protocol: openai-realtime\n    url: ${server.url}/v1/realtime?model=gpt-realtime\n    hints: true\n`);
    const measured = join(dir, 'out-measured');
    const refused = join(dir, 'out-refused');
    const env = { OPENAI_API_KEY: KEY };
    const [run, refusal] = await Promise.all([
      voicebench(['run', '--corpus', yes, '--turns', '4', '--quiet', '--out', measured, '--config', config, '--answer-timeout', '500', '--reporter', 'table,html,markdown,junit'], env),
      // the first call refused: the run cannot measure the target and says why on stderr
      voicebench(['run', '--corpus', yes, '--turns', '1', '--quiet', '--out', refused, '--target', `rt=openai-realtime+${server.url}/refuse/v1/realtime`], env),
    ]);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /rt: target, 4 turns, 3 errors/);
    const turns = await turnsOf(measured);
    assert.deepEqual(
      turns.map((turn) => [turn.reply, turn.error]),
      [
        ['you sent [redacted $OPENAI_API_KEY]', undefined],
        [undefined, { stage: 'agent', message: 'protocol error from the agent: the agent reported invalid_request_error (invalid_api_key): Incorrect API key provided: [redacted $OPENAI_API_KEY]' }],
        [undefined, { stage: 'transport', message: 'the agent closed the connection (4001: invalid key [redacted $OPENAI_API_KEY])' }],
        [undefined, { stage: 'transport', message: 'the call could not be set up: the agent refused the session: Incorrect API key provided: [redacted $OPENAI_API_KEY]' }],
      ],
    );

    assert.equal(refusal.status, 3, refusal.stderr);
    assert.equal(
      refusal.stderr,
      `voicebench: rt: the call could not start: the agent refused the session: Incorrect API key provided: [redacted $OPENAI_API_KEY]\n  hint: the turns measured before are in ${refused}\n`,
    );
    noStack(refusal, 'refused');

    assert.deepEqual(server.authorizations, Array.from({ length: 5 }, () => `Bearer ${KEY}`), 'every call sent the key, so every echo above had it to echo');
    const written = new Map([...(await everyFile(measured)), ...(await everyFile(refused))]);
    assert.deepEqual([...written.keys()].map((file) => file.slice(dir.length + 1)).sort(), [
      'out-measured/junit.xml',
      'out-measured/report.html',
      'out-measured/report.md',
      'out-measured/result.json',
      'out-measured/turns.jsonl',
      'out-refused/result.json',
      'out-refused/turns.jsonl',
    ]);
    const outputs: Array<[string, string]> = [['stdout', run.stdout], ['stderr', run.stderr], ['refused stdout', refusal.stdout], ['refused stderr', refusal.stderr], ...written];
    for (const [where, text] of outputs) {
      assert.ok(!text.includes(KEY), `the key is not in ${where}`);
      assert.ok(!text.includes('FAKEKEY'), `no part of the key is in ${where}`);
    }
  } finally {
    await server.close();
  }
});
