import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, type RawData } from 'ws';
import { loadVadModel } from '../../audio/vad.js';
import { replayFrames } from '../../caller/replay.js';
import { systemClock } from '../../metrics/clock.js';
import { PROFILES } from '../../providers/profiles.js';
import { createSimPipeline } from '../../providers/sim/sim-pipeline.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../../scenarios/corpus.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { encodeFrame, STREAM_AUDIO } from '../stream-protocol.js';
import { startWsAgent, type RunningWsAgent } from './ws-agent.js';
import { WsCaller } from './ws-caller.js';

/**
 * Protocol robustness: a caller that breaks the protocol gets an `error` message naming the
 * problem and a close code, and the agent goes on serving other calls.
 */
let agent: RunningWsAgent;
let utterance: Utterance;

before(async () => {
  const corpus = await loadCorpus(DEFAULT_CORPUS_DIR);
  utterance = corpus.find((u) => u.id === 'yes') as Utterance;
  agent = await startWsAgent({
    pipeline: createSimPipeline(PROFILES.constant, 1, systemClock),
    clock: systemClock,
    vadModel: await loadVadModel(),
    silenceTimeoutMs: 500,
    chunking: { policy: 'sentence', firstPhraseWords: 4 },
  });
});

after(async () => {
  await agent.close();
});

interface RawClient {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
}

async function connect(): Promise<RawClient> {
  const socket = new WebSocket(agent.url);
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data: RawData, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(String(data)) as Record<string, unknown>);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed };
}

function start(client: RawClient, audio: object = STREAM_AUDIO): void {
  client.socket.send(JSON.stringify({ type: 'session.start', audio }));
}

async function expectProtocolError(client: RawClient, code: string, closeCode: number, fragment: RegExp): Promise<void> {
  const closed = await client.closed;
  assert.equal(closed.code, closeCode);
  const error = client.messages.find((message) => message.type === 'error');
  assert.ok(error, `an error message before the close; got ${JSON.stringify(client.messages)}`);
  assert.equal(error.code, code);
  assert.match(String(error.message), fragment);
}

/** A well-behaved call after the misbehaving one: the agent still answers it. */
async function assertStillServing(): Promise<void> {
  const signal = new AbortController().signal;
  const caller = await WsCaller.connect({ agentUrl: agent.url, clock: systemClock, callId: 'good', sendHints: true }, signal);
  try {
    const [result] = await caller.runTurn({ utterance, pauseBeforeMs: 0 }, 0, signal);
    assert.ok(result, 'one turn result');
    const { timeline, reply } = result;
    assert.ok(reply.length > 0, 'the bot answered');
    assert.ok(timeline.has('caller.first_audio_played'), 'and its audio was heard');
  } finally {
    caller.close();
  }
}

test('text that is not JSON: bad_message, close 1008', async () => {
  const client = await connect();
  client.socket.send('hello?');
  await expectProtocolError(client, 'bad_message', 1008, /not JSON/);
});

test('an unknown message type or a bad field names the field', async () => {
  const unknown = await connect();
  start(unknown);
  unknown.socket.send(JSON.stringify({ type: 'turn.begin', turn: 0 }));
  await expectProtocolError(unknown, 'bad_message', 1008, /type/);

  const badField = await connect();
  start(badField);
  badField.socket.send(JSON.stringify({ type: 'turn.start', turn: 'first' }));
  await expectProtocolError(badField, 'bad_message', 1008, /turn: .*number/);
});

test('audio before session.start: bad_message', async () => {
  const client = await connect();
  client.socket.send(encodeFrame(new Int16Array(320)));
  await expectProtocolError(client, 'bad_message', 1008, /session\.start/);
});

test('a session declaring 8 kHz audio: bad_audio, close 1003, with the expected format', async () => {
  const client = await connect();
  start(client, { encoding: 'pcm_s16le', sampleRateHz: 8000, channels: 1 });
  await expectProtocolError(client, 'bad_audio', 1003, /sampleRateHz: expected 16000, got 8000/);
});

test('an audio message that is not one 20 ms frame: bad_audio, close 1003', async () => {
  const client = await connect();
  start(client);
  client.socket.send(Buffer.alloc(441));
  await expectProtocolError(client, 'bad_audio', 1003, /441 bytes; expected 640/);
  await assertStillServing();
});

test('a caller that disconnects mid-response: its work stops and other calls are served', async () => {
  const client = await connect();
  start(client);
  client.socket.send(JSON.stringify({ type: 'turn.start', turn: 0, transcript: utterance.transcript }));
  const abort = new AbortController();
  for await (const frame of replayFrames(utterance.samples, systemClock, abort.signal)) {
    if (client.messages.some((message) => message.type === 'response.start')) break;
    client.socket.send(encodeFrame(frame.samples));
    assert.ok(frame.index < 500, 'the agent answered within 10 s');
  }
  assert.equal(agent.activeCalls(), 1);
  client.socket.terminate();
  await client.closed;
  const deadlineMs = systemClock.nowMs() + 2_000;
  while (agent.activeCalls() > 0 && systemClock.nowMs() < deadlineMs) await systemClock.sleep(10);
  assert.equal(agent.activeCalls(), 0, 'the abandoned call has stopped');
  await assertStillServing();
});
