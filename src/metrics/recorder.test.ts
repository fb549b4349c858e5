// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanRecorder, decodeHistogram } from './recorder.js';

test('percentiles come from the recorded samples within HDR precision', () => {
  const recorder = new SpanRecorder();
  for (let i = 1; i <= 1000; i++) recorder.recordSpans({ v2v: i, stt: 200 });
  const summaries = recorder.spanSummaries();
  const v2v = summaries.v2v;
  assert.ok(v2v);
  assert.equal(v2v.count, 1000);
  // 3 significant digits: each value within 0.1 %
  assert.ok(Math.abs(v2v.p50 - 500) <= 0.5, `p50 ${v2v.p50}`);
  assert.ok(Math.abs(v2v.p95 - 950) <= 0.95, `p95 ${v2v.p95}`);
  assert.ok(Math.abs(v2v.p99 - 990) <= 0.99, `p99 ${v2v.p99}`);
  assert.ok(Math.abs(v2v.max - 1000) <= 1);
  assert.ok(Math.abs(v2v.mean - 500.5) <= 0.5);
  assert.equal(summaries.stt?.count, 1000);
  assert.equal(summaries.endpointing, undefined);
});

test('the encoded histogram decodes to the same distribution', () => {
  const recorder = new SpanRecorder();
  for (const ms of [123.456, 200, 812.5, 1400]) recorder.record('v2v', ms);
  const summary = recorder.summary('v2v');
  assert.ok(summary);
  const decoded = decodeHistogram(summary.hdr);
  assert.equal(decoded.totalCount, 4);
  assert.equal(decoded.getValueAtPercentile(50) / 1000, summary.p50);
  // the decoded maximum is its bucket's upper bound: within the 0.1 % precision
  assert.ok(Math.abs(decoded.maxValue / 1000 - summary.max) <= summary.max * 0.001);
});
