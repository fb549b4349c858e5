import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { firstSpeechFrame } from '../../caller/replay.js';
import type { TurnResult } from '../../caller/turn-plan.js';
import type { TargetSpec } from '../../config/target-config.js';
import { systemClock } from '../../metrics/clock.js';
import { computeSpans } from '../../metrics/spans.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../../scenarios/corpus.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { callTarget, realtimeToneDeltas } from '../../../test/fixtures/target-calls.js';

/**
 * The Realtime client against a scripted server written here (not voicebench's stand-in), in
 * the GA shape and with the beta event names, on a timetable of its own.
 */

type Names = 'ga' | 'beta';
const EVENT: Record<Names, { delta: string; done: string; transcript: string; added: string }> = {
  ga: { delta: 'response.output_audio.delta', done: 'response.output_audio.done', transcript: 'response.output_audio_transcript.delta', added: 'conversation.item.added' },
  beta: { delta: 'response.audio.delta', done: 'response.audio.done', transcript: 'response.audio_transcript.delta', added: 'conversation.item.created' },
};


interface Server {
  url: string;
  received: Array<{ atMs: number; event: Record<string, unknown> & { type: string } }>;
  authorization: string[];
  /** When the server sent its first audio of each response, and each speech_started. */
  firstAudioAtMs: Map<string, number>;
  speechStartedAtMs: number[];
  close(): Promise<void>;
}

interface Script {
  names: Names;
  /** Delay from the last voiced frame's arrival to the reply, and its length. */
  replyAfterMs: number;
  replyMs: (turn: number) => number;
  /** Turns whose speech start the server's VAD reports this long after its first voiced frame arrives. */
  speechStartedAfterMs?: number;
}

async function scriptedServer(script: Script): Promise<Server> {
  const names = EVENT[script.names];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const server: Server = { url: '', received: [], authorization: [], firstAudioAtMs: new Map(), speechStartedAtMs: [], close: () => new Promise<void>((resolve) => wss.close(() => resolve())) };
  let eventId = 0;
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    server.authorization.push(request.headers.authorization ?? '');
    const send = (event: Record<string, unknown>): void => socket.send(JSON.stringify({ event_id: `event_${++eventId}`, ...event }));
    send({ type: 'session.created', session: { id: 'sess_test', type: 'realtime' } });
    let frames = 0;
    let responses = 0;
    const watch: Array<{ turn: number; startFrame: number; speechStart: number; speechEnd: number }> = [];
    const respond = (turn: number): void => {
      const id = `resp_${++responses}`;
      const item = `item_${responses}`;
      send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 0, item_id: `user_${turn}` });
      send({ type: 'input_audio_buffer.committed', item_id: `user_${turn}`, previous_item_id: null });
      send({ type: names.added, item: { id: `user_${turn}`, type: 'message', role: 'user' } });
      setTimeout(() => {
        send({ type: 'response.created', response: { id, status: 'in_progress' } });
        send({ type: names.transcript, response_id: id, item_id: item, output_index: 0, content_index: 0, delta: `answer ${turn}` });
        for (const delta of realtimeToneDeltas(script.replyMs(turn))) send({ type: names.delta, response_id: id, item_id: item, output_index: 0, content_index: 0, delta });
        // client and server share this process: the client reads the first delta only once the burst has been sent
        server.firstAudioAtMs.set(id, systemClock.nowMs());
        send({ type: names.done, response_id: id, item_id: item, output_index: 0, content_index: 0 });
        send({ type: 'response.done', response: { id, status: 'completed' } });
      }, script.replyAfterMs);
    };
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as Server['received'][number]['event'];
      server.received.push({ atMs: systemClock.nowMs(), event });
      switch (event.type) {
        case 'session.update':
          send({ type: 'session.updated', session: event['session'] });
          return;
        case 'voicebench.turn': {
          const utterance = utterances.get(String(event['transcript']));
          assert.ok(utterance);
          watch.push({ turn: Number(event['turn']), startFrame: frames, speechStart: firstSpeechFrame(utterance.speechStartMs), speechEnd: Number(event['speechEndFrame']) });
          return;
        }
        case 'input_audio_buffer.append':
          frames++;
          for (const turn of watch) {
            if (frames - turn.startFrame === turn.speechStart + 1 && script.speechStartedAfterMs !== undefined && turn.turn > 0) {
              setTimeout(() => {
                server.speechStartedAtMs.push(systemClock.nowMs());
                send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: `user_${turn.turn}` });
                send({ type: 'response.done', response: { id: `resp_${responses}`, status: 'cancelled' } });
              }, script.speechStartedAfterMs);
            }
            if (frames - turn.startFrame === turn.speechEnd + 1) respond(turn.turn);
          }
          return;
        default:
      }
    });
  });
  server.url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v1/realtime`;
  return server;
}

const corpus = await loadCorpus(DEFAULT_CORPUS_DIR);
const utterances = new Map<string, Utterance>(corpus.map((utterance) => [utterance.transcript, utterance]));
const byId = (id: string): Utterance => {
  const found = corpus.find((utterance) => utterance.id === id);
  assert.ok(found, id);
  return found;
};

const KEY = 'sk-test-realtime-0123456789abcdef';

function spec(url: string): TargetSpec {
  return {
    name: 'rt',
    protocol: 'openai-realtime',
    url,
    headers: { Authorization: `Bearer ${KEY}` },
    keyVariables: ['OPENAI_API_KEY'],
    answerTimeoutMs: 3_000,
    replyGapMs: 1_000,
    hints: true,
    realtime: { apiKeyEnv: 'OPENAI_API_KEY', turnDetection: { type: 'server_vad', silenceDurationMs: 500 } },
  };
}


for (const names of ['ga', 'beta'] as const) {
  test(`${names} event names: session.update in the GA shape, 20 ms appends in real time, the reply's audio and transcript, speech_stopped as eou`, async () => {
    const server = await scriptedServer({ names, replyAfterMs: 120, replyMs: () => 400 });
    try {
      const [result] = await callTarget(spec(server.url), [{ utterance: byId('yes'), pauseBeforeMs: 0 }]);
      assert.deepEqual(server.authorization, [`Bearer ${KEY}`]);
      const update = server.received.find((entry) => entry.event.type === 'session.update')?.event;
      assert.deepEqual(update?.['session'], {
        type: 'realtime',
        output_modalities: ['audio'],
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24_000 }, turn_detection: { type: 'server_vad', create_response: true, interrupt_response: true, silence_duration_ms: 500 } },
          output: { format: { type: 'audio/pcm', rate: 24_000 } },
        },
      });
      const appends = server.received.filter((entry) => entry.event.type === 'input_audio_buffer.append');
      for (const entry of appends) assert.equal(Buffer.from(String(entry.event['audio']), 'base64').length, 960, '20 ms of 24 kHz PCM16');
      const paceMs = ((appends.at(-1)?.atMs ?? 0) - (appends[0]?.atMs ?? 0)) / (appends.length - 1);
      assert.ok(Math.abs(paceMs - 20) < 0.5, `paced at ${paceMs.toFixed(2)} ms`);
      assert.ok(result);
      const spans = computeSpans(result.timeline.toRecord());
      assert.ok((spans.endpointing ?? NaN) >= 0 && (spans.endpointing ?? NaN) < 8, `eou is speech_stopped's arrival (${spans.endpointing?.toFixed(1)} ms after the last voiced frame)`);
      assert.ok((spans.v2v ?? NaN) >= 120 && (spans.v2v ?? NaN) < 120 + 28, `v2v ${spans.v2v?.toFixed(1)} ms for a reply sent 120 ms after the speech end`);
      assert.equal(result.reply, 'answer 0');
    } finally {
      await server.close();
    }
  });
}

test('barge-in: on speech_started during playback the client stops its playback and truncates the item at the audio it played', async () => {
  const speechStartedAfterMs = 40;
  const server = await scriptedServer({ names: 'ga', replyAfterMs: 50, replyMs: (turn) => (turn === 0 ? 4_000 : 300), speechStartedAfterMs });
  try {
    const results = await callTarget(spec(server.url), [{ utterance: byId('yes'), pauseBeforeMs: 0, bargeIn: { utterance: byId('no-thanks'), afterBotAudioMs: 500, expect: 'interrupt' } }]);
    const truncate = server.received.find((entry) => entry.event.type === 'conversation.item.truncate');
    assert.ok(truncate, 'the client truncated the interrupted item');
    assert.equal(truncate.event['item_id'], 'item_1');
    assert.equal(truncate.event['content_index'], 0);
    const [main, answer] = results as [TurnResult, TurnResult];
    // what the caller's player played, to the millisecond: never more than the server sent before speech_started
    const audioEndMs = Number(truncate.event['audio_end_ms']);
    const heardMs = main.bargeIn?.heardMs ?? NaN;
    assert.ok(audioEndMs <= heardMs && heardMs - audioEndMs < 1, `audio_end_ms ${audioEndMs} is the audio played (${heardMs.toFixed(2)} ms)`);
    const sentBeforeMs = (server.speechStartedAtMs[0] ?? NaN) - (server.firstAudioAtMs.get('resp_1') ?? NaN);
    assert.ok(audioEndMs <= sentBeforeMs + 2 && sentBeforeMs - audioEndMs < 10, `audio_end_ms ${audioEndMs}: the server's audio played from its arrival to speech_started's (${sentBeforeMs.toFixed(1)} ms between the two sends)`);
    const spans = computeSpans(main.timeline.toRecord());
    const detect = spans['bargein.detect'] ?? NaN;
    assert.ok(detect >= speechStartedAfterMs && detect < speechStartedAfterMs + 8, `bargein.detect ${detect.toFixed(1)} ms: onset → speech_started`);
    assert.equal(main.bargeIn?.interrupted, true);
    assert.equal(main.bargeIn?.correct, true, main.bargeIn?.problems.join('; '));
    assert.equal(answer.interrupting, true);
    assert.equal(answer.reply, 'answer 1');
  } finally {
    await server.close();
  }
});
