import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BARGEIN_DETECT_TARGET_MS } from '../src/metrics/spans.js';
import { replyFor } from '../src/providers/sim/replies.js';
import type { TransportName } from '../src/report/result.js';
import { DEFAULT_CORPUS_DIR, loadUtterance } from '../src/scenarios/corpus.js';
import type { PlannedTurn } from '../src/caller/turn-plan.js';
import { runBench } from './helpers.js';

/**
 * One interruption and one backchannel per transport, end to end over real connections with
 * the constant profile: "Hold on, I have a question." 700 ms into the answer to a table
 * booking must stop the bot, and be answered; "Uh-huh." into the answer to a late delivery
 * must not.
 */
async function plan(): Promise<PlannedTurn[]> {
  const corpus = (id: string) => loadUtterance(join(DEFAULT_CORPUS_DIR, `${id}.wav`));
  const interruption = (id: string) => loadUtterance(join(DEFAULT_CORPUS_DIR, 'interruptions', `${id}.wav`));
  return [
    { utterance: await corpus('table-booking'), pauseBeforeMs: 0, bargeIn: { utterance: await interruption('hold-on'), afterBotAudioMs: 700, expect: 'interrupt' } },
    { utterance: await corpus('delivery-status'), pauseBeforeMs: 0, bargeIn: { utterance: await interruption('uh-huh'), afterBotAudioMs: 700, expect: 'continue' } },
  ];
}

for (const transport of ['ws', 'webrtc', 'rest'] as const satisfies readonly TransportName[]) {
  test(`${transport}: an interruption stops the bot and is answered; a backchannel does not interrupt`, async () => {
    const turns = await plan();
    const { result, turns: records } = await runBench({ transports: [transport], profile: 'constant', seed: 1, turns: 2, plan: turns });
    assert.deepEqual(
      records.map((record) => [record.turnIndex, record.utterance, record.interrupting ?? false, record.error?.message]),
      [
        [0, 'table-booking', false, undefined],
        [1, 'hold-on', true, undefined],
        [2, 'delivery-status', false, undefined],
      ],
    );
    const [interrupted, answer, backchannel] = records;
    assert.ok(interrupted?.bargeIn && answer && backchannel?.bargeIn);

    // the interruption: stopped, truncated, flagged, carried into the next request
    const outcome = interrupted.bargeIn;
    assert.deepEqual(outcome.problems, []);
    assert.equal(outcome.correct, true);
    assert.equal(outcome.interrupted, true);
    const fullReply = replyFor([{ role: 'user', content: 'table' }]);
    assert.ok(outcome.truncated && fullReply.startsWith(outcome.truncated) && outcome.truncated.length < fullReply.length, `truncated "${outcome.truncated}"`);
    assert.equal(outcome.contextInterrupted, outcome.truncated);
    // "Hold on" starts 300 ms into its recording, spoken 700 ms into the audible answer
    assert.ok(outcome.heardMs > 700 + 300 && outcome.heardMs < 700 + 300 + 200, `heard ${outcome.heardMs} ms`);
    assert.ok(answer.spans.v2v !== undefined && answer.reply === replyFor([{ role: 'user', content: 'Hold on, I have a question.' }]), 'the interruption was answered');

    const detectMs = interrupted.spans['bargein.detect'];
    const stopMs = interrupted.spans['bargein.stop'];
    assert.ok(detectMs !== undefined && stopMs !== undefined && interrupted.spans['bargein.leak'] !== undefined);
    if (transport === 'rest') {
      // the legacy agent learns of it with the next request: after the interruption was spoken and endpointed
      assert.ok(detectMs > 1780, `rest detect ${detectMs} ms`);
      assert.equal(interrupted.spans['bargein.leak'], 0);
      assert.ok(stopMs < BARGEIN_DETECT_TARGET_MS, `rest: the caller's own VAD stops playback (${stopMs} ms)`);
    } else {
      assert.ok(detectMs <= BARGEIN_DETECT_TARGET_MS, `${transport} detect ${detectMs} ms`);
      // ws: the caller holds its buffer on audio.pause; webrtc: the jitter buffer plays out
      // webrtc: 40 ms jitter buffer + the frame in flight + the one playing + one frame of host jitter
      const drainMs = transport === 'webrtc' ? 40 + 20 + 20 + 20 : 5;
      assert.ok(stopMs >= detectMs && stopMs <= detectMs + drainMs + 10, `${transport} stop ${stopMs} ms, detect ${detectMs} ms`);
    }

    // the backchannel: paused at most, never interrupted, answer heard to its end, no bargein spans
    const heard = backchannel.bargeIn;
    assert.deepEqual(heard.problems, []);
    assert.equal(heard.interrupted, false);
    assert.equal(heard.falseInterruptions, 1);
    assert.equal(backchannel.reply, replyFor([{ role: 'user', content: 'package' }]));
    assert.equal(backchannel.spans['bargein.detect'], undefined);

    const summary = result.transports[transport]?.bargeIn;
    assert.deepEqual(
      summary && { turns: summary.turns, correct: summary.correct, interruptions: summary.interruptions, backchannels: summary.backchannels, falseInterruptions: summary.falseInterruptions },
      { turns: 2, correct: 2, interruptions: { expected: 1, happened: 1 }, backchannels: { expected: 1, interrupted: 0 }, falseInterruptions: 1 },
    );
  });
}
