// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spanSamples, TURN_SPAN_NAMES } from './turn-samples.js';
import { percentile } from './compare/statistics.js';
import { TransportResults } from '../run/transport-results.js';
import type { RunResult, TransportName, TurnRecord } from './result.js';

const FIXTURES = ['barge-in', 'wifi'].map((name) => ({
  name,
  result: JSON.parse(readFileSync(new URL(`../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult,
}));

for (const { name, result } of FIXTURES) {
  test(`${name}.json: each span's per-turn samples are exactly the turns its histogram counted`, () => {
    let checked = 0;
    for (const [transport, measured] of Object.entries(result.transports) as Array<[TransportName, NonNullable<RunResult['transports'][TransportName]>]>) {
      for (const span of TURN_SPAN_NAMES) {
        const samples = spanSamples(result, transport, span);
        const summary = measured.spans[span];
        assert.equal(samples.length, summary?.count ?? 0, `${transport} ${span}`);
        if (!summary) continue;
        checked++;
        // the same values: nearest-rank percentiles of the samples land in the histogram's buckets (3 significant digits)
        const inMicros = samples.map((ms) => Math.round(ms * 1000) / 1000);
        for (const p of [50, 95, 99] as const) {
          const fromSamples = percentile(inMicros, p);
          const fromHistogram = summary[`p${p}`];
          assert.ok(Math.abs(fromSamples - fromHistogram) <= Math.max(0.001, fromSamples * 0.001), `${transport} ${span} p${p}: samples ${fromSamples}, histogram ${fromHistogram}`);
        }
      }
      // connect is per connection: recorded beside the spans (`connect.coldMs`, `warmMs`), never per turn
      assert.equal(measured.spans.connect, undefined, `${transport} connect`);
      assert.ok(result.turns.every((turn) => turn.spans.connect === undefined));
    }
    assert.ok(checked > 0);
  });
}

test('failed turns and the spans of cold requests are left out, as TransportResults leaves them out', () => {
  const turn = (index: number, spans: TurnRecord['spans'], extra: Partial<TurnRecord> = {}): TurnRecord => ({ transport: 'ws', turnIndex: index, utterance: `u${index}`, marksMs: {}, spans, ...extra });
  const retries = { stt: 0, llm: 0, tts: 0 };
  const turns: TurnRecord[] = [
    turn(0, { v2v: 700, stt: 300, 'llm.ttft': 400, 'tts.ttfb': 250 }, { provider: { retries, coldStages: ['stt', 'llm', 'tts'] } }),
    turn(1, { v2v: 500, stt: 120, 'llm.ttft': 200, 'tts.ttfb': 90 }, { provider: { retries, coldStages: ['llm'] } }),
    turn(2, { v2v: 480, stt: 110 }, { error: { stage: 'llm', message: 'timed out' } }),
    turn(3, { v2v: 510, stt: 125, 'llm.ttft': 210, 'tts.ttfb': 95 }),
    { ...turn(4, { v2v: 999 }), transport: 'rest' },
  ];
  const recorded = new TransportResults({ name: 'ws', chunking: 'sentence' });
  for (const record of turns.filter((record) => record.transport === 'ws')) recorded.add(record);
  const summary = recorded.summary();
  const result = { turns } as RunResult;
  assert.deepEqual(spanSamples(result, 'ws', 'v2v'), [700, 500, 510]);
  assert.deepEqual(spanSamples(result, 'ws', 'stt'), [120, 125]);
  assert.deepEqual(spanSamples(result, 'ws', 'llm.ttft'), [210]);
  assert.deepEqual(spanSamples(result, 'ws', 'tts.ttfb'), [90, 95]);
  assert.deepEqual(spanSamples(result, 'rest', 'v2v'), [999]);
  for (const span of TURN_SPAN_NAMES) assert.equal(spanSamples(result, 'ws', span).length, summary.spans[span]?.count ?? 0, span);
});
