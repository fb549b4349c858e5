// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSpans, SPANS, SPAN_NAMES, isSpanName } from './spans.js';
import { MARKS } from './marks.js';

test('every span is defined once, between two known marks', () => {
  assert.deepEqual(SPANS.map((span) => span.name), [...SPAN_NAMES]);
  for (const span of SPANS) {
    assert.ok(MARKS.includes(span.from), `${span.name}.from`);
    assert.ok(MARKS.includes(span.to), `${span.name}.to`);
    assert.notEqual(span.from, span.to);
  }
});

test('spans are the difference of their marks, and absent when a mark is missing', () => {
  const spans = computeSpans({
    'caller.speech_end': 100,
    eou: 612.5,
    'stt.final': 800,
    'llm.start': 801,
    'llm.first_token': 1101,
    'caller.first_audio_played': 1600.25,
  });
  assert.equal(spans.v2v, 1500.25);
  assert.equal(spans.endpointing, 512.5);
  assert.equal(spans.stt, 187.5);
  assert.equal(spans['llm.ttft'], 300);
  assert.equal(spans['tts.ttfb'], undefined);
  assert.equal(spans['bargein.detect'], undefined);
});

test('span names follow DESIGN.md §2', () => {
  for (const name of ['v2v', 'endpointing', 'stt', 'llm.ttft', 'llm.first_phrase', 'tts.ttfb', 'uplink', 'downlink', 'playout', 'bargein.detect', 'bargein.stop']) {
    assert.ok(isSpanName(name), name);
  }
  assert.equal(isSpanName('latency'), false);
});
