// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeWaterfall, WATERFALL_SEGMENTS } from './waterfall.js';
import { computeSpans } from './spans.js';
import type { MarkRecord } from './marks.js';

const restTurn: MarkRecord = {
  'caller.speech_end': 1000,
  eou: 1500,
  'agent.speech_end_received': 1501,
  'stt.start': 1501.5,
  'stt.final': 1701.5,
  'llm.start': 1702,
  'llm.first_token': 2002,
  'llm.done': 2502,
  'tts.start': 2502,
  'tts.first_audio': 2602,
  'tts.done': 2902,
  'agent.first_audio_out': 2903,
  'caller.first_audio': 2904,
  'caller.first_audio_played': 2950,
};

function sum(waterfall: Record<string, number>): number {
  return WATERFALL_SEGMENTS.reduce((total, segment) => total + (waterfall[segment] ?? 0), 0);
}

test('the full-chunking waterfall attributes each stage and sums exactly to v2v', () => {
  const waterfall = computeWaterfall(restTurn, 'sequential');
  assert.ok(waterfall);
  assert.equal(waterfall.endpointing, 500);
  assert.equal(waterfall.uplink, 1);
  assert.equal(waterfall.stt, 200);
  assert.equal(waterfall.llm, 800);
  assert.equal(waterfall.tts, 400);
  assert.equal(waterfall.downlink, 1);
  assert.equal(waterfall.playout, 46);
  // gaps: received→stt.start 0.5, stt.final→llm.start 0.5, tts.done→first_audio_out 1
  assert.equal(waterfall.other, 2);
  assert.equal(sum(waterfall), computeSpans(restTurn).v2v);
});

test('overlapping streaming stages are not counted twice', () => {
  const marks: MarkRecord = {
    'caller.speech_end': 0,
    eou: 300,
    'stt.final': 450,
    'llm.start': 440, // started on a partial transcript before the final
    'llm.first_phrase': 700,
    'tts.start': 700,
    'tts.first_audio': 800,
    'agent.first_audio_out': 801,
    'caller.first_audio': 802,
    'caller.first_audio_played': 842,
  };
  const waterfall = computeWaterfall(marks, 'streaming');
  assert.ok(waterfall);
  assert.equal(waterfall.stt, 150);
  assert.equal(waterfall.llm, 250);
  assert.equal(waterfall.other, 1);
  assert.equal(sum(waterfall), 842);
});

test('a missing stage leaves its time in other rather than dropping it', () => {
  const { 'tts.start': _start, 'tts.done': _done, ...withoutTts } = restTurn;
  const waterfall = computeWaterfall(withoutTts, 'sequential');
  assert.ok(waterfall);
  assert.equal(waterfall.tts, 0);
  assert.equal(waterfall.other, 402);
  assert.equal(sum(waterfall), 1950);
});

test('no waterfall without v2v', () => {
  assert.equal(computeWaterfall({ 'caller.speech_end': 1 }, 'sequential'), undefined);
});

test("streaming: the last speech frame crossing to the agent is uplink, and the VAD's wait after it is endpointing", () => {
  const marks: MarkRecord = {
    'caller.speech_end': 0,
    'agent.speech_end_received': 130, // held behind a lost segment
    eou: 650,
    'stt.final': 900,
    'llm.start': 900,
    'llm.first_phrase': 1200,
    'tts.start': 1200,
    'tts.first_audio': 1300,
    'agent.first_audio_out': 1301,
    'caller.first_audio': 1321,
    'caller.first_audio_played': 1341,
  };
  const waterfall = computeWaterfall(marks, 'streaming');
  assert.ok(waterfall);
  assert.equal(waterfall.uplink, 130);
  assert.equal(waterfall.endpointing, 520);
  assert.equal(waterfall.downlink, 20);
  assert.equal(sum(waterfall), 1341);
});
