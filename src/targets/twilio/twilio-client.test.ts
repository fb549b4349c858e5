import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_MS } from '../../audio/pcm.js';
import type { TurnResult } from '../../caller/turn-plan.js';
import type { TargetSpec } from '../../config/target-config.js';
import { computeSpans } from '../../metrics/spans.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../../scenarios/corpus.js';
import type { Utterance } from '../../scenarios/utterance.js';
import { callTarget } from '../../../test/fixtures/target-calls.js';
import { scriptedTwilioAgent } from '../../../test/fixtures/scripted-twilio-agent.js';

/**
 * The Twilio client against a scripted agent written here, not voicebench's own stand-in, so the
 * two halves cannot agree on a mistake: the agent answers on a timetable of its own, and the test
 * checks what Twilio's client must do with it (pacing, marks, clear).
 */

// "At once" is within a frame: the round trip on loopback is well under it, and on a loaded
// host the event loop's delay stays under it too; what is checked is that no audio is waited for.
const corpus = await loadCorpus(DEFAULT_CORPUS_DIR);
const byId = (id: string): Utterance => {
  const found = corpus.find((utterance) => utterance.id === id);
  assert.ok(found, id);
  return found;
};

function spec(url: string): TargetSpec {
  return {
    name: 'bot',
    protocol: 'twilio',
    url,
    headers: {},
    keyVariables: [],
    answerTimeoutMs: 3_000,
    replyGapMs: 300,
    hints: true,
    twilio: { mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 }, customParameters: { campaign: 'test' } },
  };
}


test("plays Twilio's side: connected, start with the sids, media every 20 ms with its counters, silence included, stop at the end", async () => {
  const agent = await scriptedTwilioAgent({ speechEnded: (_turn, side) => setTimeout(() => side.media(400), 150) }, corpus);
  try {
    const [result] = await callTarget(spec(agent.url), [{ utterance: byId('yes'), pauseBeforeMs: 0 }]);
    const messages = agent.received.map((entry) => entry.message);
    assert.deepEqual(messages[0], { event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = messages[1] as { event: string; sequenceNumber: string; streamSid: string; start: Record<string, unknown> };
    assert.equal(start.event, 'start');
    assert.equal(start.sequenceNumber, '1');
    assert.match(start.streamSid, /^MZ[0-9a-f]{32}$/);
    assert.equal(start.start['streamSid'], start.streamSid);
    assert.match(String(start.start['callSid']), /^CA[0-9a-f]{32}$/);
    assert.match(String(start.start['accountSid']), /^AC[0-9a-f]{32}$/);
    assert.deepEqual(start.start['tracks'], ['inbound']);
    assert.deepEqual(start.start['customParameters'], { campaign: 'test' });
    assert.deepEqual(start.start['mediaFormat'], { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 });
    const media = agent.received.filter((entry) => entry.message.event === 'media');
    // the microphone never pauses: the utterance, the silence after it while the bot answers
    assert.ok(media.length * 20 >= byId('yes').durationMs + 150 + 400, `${media.length} media messages`);
    media.forEach((entry, index) => {
      const body = entry.message['media'] as { track: string; chunk: string; timestamp: string; payload: string };
      assert.equal(body.track, 'inbound');
      assert.equal(body.chunk, String(index + 1));
      assert.equal(Buffer.from(body.payload, 'base64').length, 160, '20 ms of 8 kHz µ-law');
      assert.equal(typeof body.timestamp, 'string');
    });
    const sequence = agent.received.filter((entry) => entry.message.event !== 'connected' && entry.message.event !== 'voicebench.turn').map((entry) => Number(entry.message['sequenceNumber']));
    assert.deepEqual(sequence, sequence.map((_, index) => index + 1), 'sequenceNumber counts every Twilio message after connected (the sim-only hint is not one)');
    const spanMs = (media.at(-1)?.atMs ?? 0) - (media[0]?.atMs ?? 0);
    assert.ok(Math.abs(spanMs / (media.length - 1) - 20) < 0.5, `paced at ${(spanMs / (media.length - 1)).toFixed(2)} ms per frame`);
    assert.equal(messages.at(-1)?.event, 'stop');
    // the answer started 150 ms after the last voiced frame arrived: v2v is that, plus the wire and the frame's position
    const v2v = computeSpans(result?.timeline.toRecord() ?? {}).v2v ?? NaN;
    assert.ok(v2v >= 150 && v2v < 150 + 20 + 8, `v2v ${v2v.toFixed(1)} ms`);
  } finally {
    await agent.close();
  }
});

test('a mark is echoed once the audio queued before it has played, at once when nothing is queued', async () => {
  const agent = await scriptedTwilioAgent({
    speechEnded: (_turn, side) => {
      side.send({ event: 'mark', streamSid: side.streamSid, mark: { name: 'before-audio' } });
      // the audio a little later: agent and client share this process, and decoding a burst of
      // media would otherwise delay the first echo's receipt here, not its sending there
      setTimeout(() => {
        side.media(600);
        side.send({ event: 'mark', streamSid: side.streamSid, mark: { name: 'after-600ms' } });
      }, 100);
    },
  }, corpus);
  try {
    await callTarget(spec(agent.url), [{ utterance: byId('yes'), pauseBeforeMs: 0 }]);
    const side = agent.agents[0];
    assert.ok(side);
    const sentMs = (name: string): number => side.sentAtMs.get(JSON.stringify({ name })) ?? NaN;
    const early = (side.echoes.get('before-audio') ?? NaN) - sentMs('before-audio');
    const late = (side.echoes.get('after-600ms') ?? NaN) - sentMs('after-600ms');
    assert.ok(early < FRAME_MS, `a mark with nothing queued comes back at once (${early.toFixed(1)} ms)`);
    assert.ok(late >= 600 - 2 && late < 600 + 15, `the mark after 600 ms of audio comes back when it has played (${late.toFixed(1)} ms)`);
  } finally {
    await agent.close();
  }
});

test('clear drops the queued audio at once and returns the pending marks', async () => {
  const agent = await scriptedTwilioAgent({
    speechEnded: (_turn, side) => {
      side.media(2_000);
      side.send({ event: 'mark', streamSid: side.streamSid, mark: { name: 'end-of-answer' } });
      setTimeout(() => {
        side.send({ event: 'clear', streamSid: side.streamSid });
        side.send({ event: 'mark', streamSid: side.streamSid, mark: { name: 'after-clear' } });
      }, 300);
    },
  }, corpus);
  try {
    await callTarget(spec(agent.url), [{ utterance: byId('yes'), pauseBeforeMs: 0 }]);
    const side = agent.agents[0];
    assert.ok(side);
    const clearedMs = side.sentAtMs.get(JSON.stringify('clear')) ?? NaN;
    const pending = (side.echoes.get('end-of-answer') ?? NaN) - clearedMs;
    const after = (side.echoes.get('after-clear') ?? NaN) - clearedMs;
    assert.ok(pending >= 0 && pending < FRAME_MS, `the pending mark comes back on clear, not after 2 s of audio (${pending.toFixed(1)} ms)`);
    assert.ok(after >= 0 && after < FRAME_MS, `nothing is queued after clear: the next mark comes back at once (${after.toFixed(1)} ms)`);
  } finally {
    await agent.close();
  }
});

test('barge-in: bargein.detect is the caller\'s onset to the arrival of clear, and the answer to the interruption is the next turn', async () => {
  const clearAfterMs = 30;
  const agent = await scriptedTwilioAgent({
    speechEnded: (turn, side) => {
      if (turn === 0) side.media(3_000);
      else setTimeout(() => side.media(300), 200);
    },
    speechStarted: (turn, side) => {
      if (turn === 1) setTimeout(() => side.send({ event: 'clear', streamSid: side.streamSid }), clearAfterMs);
    },
  }, corpus);
  try {
    const results = await callTarget(spec(agent.url), [{ utterance: byId('yes'), pauseBeforeMs: 0, bargeIn: { utterance: byId('no-thanks'), afterBotAudioMs: 400, expect: 'interrupt' } }]);
    assert.equal(results.length, 2);
    const [main, answer] = results as [TurnResult, TurnResult];
    const spans = computeSpans(main.timeline.toRecord());
    const detect = spans['bargein.detect'] ?? NaN;
    assert.ok(detect >= clearAfterMs && detect < clearAfterMs + 8, `bargein.detect ${detect.toFixed(1)} ms: onset → clear (sent ${clearAfterMs} ms after the onset frame arrived)`);
    assert.ok(Math.abs((spans['bargein.stop'] ?? NaN) - detect) < 1, 'the bot fell silent when clear dropped its audio');
    assert.equal(main.bargeIn?.interrupted, true);
    assert.equal(main.bargeIn?.correct, true, main.bargeIn?.problems.join('; '));
    assert.equal(answer.interrupting, true);
    const answerV2v = computeSpans(answer.timeline.toRecord()).v2v ?? NaN;
    assert.ok(answerV2v >= 200 && answerV2v < 200 + 28, `the interruption answered 200 ms after its speech end (${answerV2v.toFixed(1)} ms)`);
  } finally {
    await agent.close();
  }
});
