// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildComparison, compareSpan, holmAdjusted, judgeRegressions, IncomparableResultsError, type Comparison, type SpanComparison } from './comparison.js';
import { SeededRandom } from '../../seeded-random.js';
import { percentile } from './statistics.js';
import { SPANS } from '../../metrics/spans.js';
import { TransportResults } from '../../run/transport-results.js';
import type { RunConfig, RunResult, TransportName, TurnRecord } from '../result.js';
import type { TurnSpanName } from '../turn-samples.js';
import { InputError } from '../../errors.js';

type Samples = Partial<Record<TransportName, Partial<Record<TurnSpanName, number[]>>>>;

const CONFIG = { scenario: 'synthetic', profile: 'constant', seed: 1, network: { name: 'none' } } as RunConfig;

/** A result whose histograms and per-turn records hold exactly `samples` (turn i carries each span's i-th value). */
function syntheticResult(samples: Samples): RunResult {
  const turns: TurnRecord[] = [];
  const transports: RunResult['transports'] = {};
  for (const [transport, spans] of Object.entries(samples) as Array<[TransportName, Partial<Record<TurnSpanName, number[]>>]>) {
    const recorder = new TransportResults({ name: transport, chunking: 'sentence' });
    const count = Math.max(...Object.values(spans).map((values) => values.length));
    for (let turnIndex = 0; turnIndex < count; turnIndex++) {
      const record: TurnRecord = { transport, turnIndex, utterance: `u${turnIndex}`, marksMs: {}, spans: {} };
      for (const [span, values] of Object.entries(spans) as Array<[TurnSpanName, number[]]>) {
        const valueMs = values[turnIndex];
        if (valueMs !== undefined) record.spans[span] = valueMs;
      }
      recorder.add(record);
      turns.push(record);
    }
    transports[transport] = recorder.summary();
  }
  return {
    schemaVersion: 2,
    tool: { name: 'voicebench', version: 'test' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    complete: true,
    config: { ...CONFIG, transports: Object.keys(samples) as TransportName[] },
    host: { platform: 'linux', arch: 'x64', node: 'v20', cpus: 2, cpuModel: 'test' },
    spanTable: SPANS.map(({ name, from, to, kind }) => ({ name, from, to, ...(kind ? { kind } : {}) })),
    transports,
    turns,
  };
}

function normalSample(seed: number, key: string, count: number, meanMs: number, sdMs: number): number[] {
  const random = new SeededRandom(seed, key);
  return Array.from({ length: count }, () => meanMs + sdMs * random.normal());
}

function row(comparison: Comparison, transport: TransportName, span: TurnSpanName, candidate = 0): SpanComparison {
  const found = comparison.candidates[candidate]?.transports.find((entry) => entry.transport === transport)?.spans.find((entry) => entry.span === span);
  assert.ok(found, `no row ${transport} ${span}`);
  return found;
}

function compareV2v(baselineMs: number[], candidateMs: number[], seed = 1): SpanComparison {
  const comparison = buildComparison(
    [
      { label: 'a.json', result: syntheticResult({ ws: { v2v: baselineMs } }) },
      { label: 'b.json', result: syntheticResult({ ws: { v2v: candidateMs } }) },
    ],
    { regressionThreshold: 0.05, seed },
  );
  return row(comparison, 'ws', 'v2v');
}

test('a 50 ms shift of 500 ± 20 ms over 40 turns is slower, significant, and a regression at 5 %', () => {
  const baseline = normalSample(1, 'baseline', 40, 500, 20);
  const candidate = normalSample(1, 'candidate', 40, 550, 20);
  const result = compareV2v(baseline, candidate);
  assert.equal(result.verdict, 'slower');
  assert.equal(result.significant, true);
  assert.equal(result.mannWhitney?.method, 'normal');
  assert.ok((result.mannWhitney?.p ?? 1) < 1e-6, `p ${result.mannWhitney?.p}`);
  assert.ok((result.candidateLargerShare ?? 0) > 0.9);
  assert.ok(result.deltaP50Ms > 30 && result.deltaP50Ms < 70, `Δp50 ${result.deltaP50Ms}`);
  assert.ok((result.deltaP95Interval?.low ?? 0) > 0, JSON.stringify(result.deltaP95Interval));
  assert.equal(result.regression, true);
});

test('the row carries the run tables\' own percentiles, and deltas between them', () => {
  const baselineResult = syntheticResult({ ws: { v2v: normalSample(3, 'a', 40, 500, 20) } });
  const candidateResult = syntheticResult({ ws: { v2v: normalSample(3, 'b', 40, 520, 20) } });
  const comparison = buildComparison([
    { label: 'a.json', result: baselineResult },
    { label: 'b.json', result: candidateResult },
  ]);
  const v2v = row(comparison, 'ws', 'v2v');
  const table = (result: RunResult) => result.transports.ws?.spans.v2v;
  assert.deepEqual(v2v.baseline, { count: 40, p50: table(baselineResult)?.p50, p95: table(baselineResult)?.p95, p99: table(baselineResult)?.p99 });
  assert.equal(v2v.candidate.p95, table(candidateResult)?.p95);
  assert.equal(v2v.deltaP50Ms, v2v.candidate.p50 - v2v.baseline.p50);
  assert.equal(v2v.deltaP95Relative, v2v.deltaP95Ms / v2v.baseline.p95);
  assert.equal(v2v.regression, false, 'no threshold, no regression');
  assert.deepEqual(comparison.candidates[0]?.transports[0]?.baseline, { turns: 40, errors: 0, kind: 'sentence' });
  assert.equal(comparison.method.alpha, 0.05);
  assert.deepEqual(comparison.inputs.map((input) => input.label), ['a.json', 'b.json']);
});

test('the same samples, and the same distribution drawn with another seed, are not flagged', () => {
  const baseline = normalSample(1, 'baseline', 40, 500, 20);
  const same = compareV2v(baseline, baseline);
  assert.equal(same.verdict, 'no significant difference');
  assert.equal(same.mannWhitney?.p, 1);
  assert.equal(same.regression, false);
  const redrawn = compareV2v(baseline, normalSample(2, 'baseline', 40, 500, 20));
  assert.equal(redrawn.verdict, 'no significant difference');
  assert.equal(redrawn.regression, false);
});

test('over 200 pairs from one distribution, about alpha of them are significant and fewer are regressions', () => {
  let significant = 0;
  let regressions = 0;
  const pairs = 200;
  for (let pair = 0; pair < pairs; pair++) {
    // log-normal-ish like real latency: a long right tail
    const draw = (key: string) => normalSample(pair, key, 40, 0, 0.25).map((z) => 500 * Math.exp(z));
    const result = compareV2v(draw('baseline'), draw('candidate'), pair);
    if (result.significant) significant++;
    if (result.regression) regressions++;
  }
  assert.ok(significant / pairs < 0.1, `significant ${significant}/${pairs}`);
  assert.ok(regressions / pairs < 0.1, `regressions ${regressions}/${pairs}`);
});

test('Holm: the k-th smallest p is scaled by the rows left and never falls below an earlier one', () => {
  assert.deepEqual(holmAdjusted([0.01, 0.04, 0.03, 0.005]).map((p) => Number(p.toFixed(6))), [0.03, 0.06, 0.06, 0.02]);
  assert.deepEqual(holmAdjusted([0.5]), [0.5]);
  assert.deepEqual(holmAdjusted([0.4, 0.6]), [0.8, 0.8]);
});

test('judged on every span of three transports, identical runs are flagged about alpha of the time, not per row', () => {
  const spans: TurnSpanName[] = ['v2v', 'endpointing', 'stt', 'llm.ttft', 'llm.first_phrase', 'tts.ttfb', 'uplink', 'downlink', 'playout'];
  const transports = ['rest', 'ws', 'webrtc'] as const;
  const gatedRows = spans.length * transports.length;
  const trials = 200;
  let flagged = 0;
  let rowsSignificant = 0;
  for (let trial = 0; trial < trials; trial++) {
    // 15 turns a side: below the bootstrap's 20, so the median test alone judges
    const side = (name: string, transport: string, span: string): { summary: { count: number; p50: number; p95: number; p99: number }; samples: number[] } => {
      const samples = normalSample(trial, `${name}|${transport}|${span}`, 15, 0, 0.25).map((z) => 300 * Math.exp(z));
      return { summary: { count: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99) }, samples };
    };
    const compared = transports.map((transport) => ({
      transport,
      baseline: { turns: 15, errors: 0, kind: 'sentence' },
      candidate: { turns: 15, errors: 0, kind: 'sentence' },
      spans: spans.map((span) => compareSpan(span, side('a', transport, span), side('b', transport, span), { alpha: 0.05, seed: trial, regressionThreshold: 0.05, key: `${transport}|${span}`, gatedRows })),
    }));
    judgeRegressions(compared, 0.05, 0.05);
    const rows = compared.flatMap((transport) => transport.spans);
    if (rows.some((entry) => entry.regression)) flagged++;
    rowsSignificant += rows.filter((entry) => entry.significant && entry.verdict === 'slower').length;
  }
  assert.ok(rowsSignificant > 0, 'uncorrected, some of the 5400 rows are significant and slower by chance');
  assert.ok(flagged / trials <= 0.06, `flagged ${flagged} of ${trials} comparisons: the correction keeps the family-wise rate at alpha or below`);
});

test('by default only v2v is judged; a shift in another span is shown, and judged when asked', () => {
  const baseline = syntheticResult({ ws: { v2v: normalSample(4, 'a', 40, 900, 20), stt: normalSample(4, 'sa', 40, 200, 10) } });
  const candidate = syntheticResult({ ws: { v2v: normalSample(4, 'b', 40, 900, 20), stt: normalSample(4, 'sb', 40, 260, 10) } });
  const inputs = [
    { label: 'a.json', result: baseline },
    { label: 'b.json', result: candidate },
  ];
  const byDefault = buildComparison(inputs, { regressionThreshold: 0.05 });
  assert.equal(row(byDefault, 'ws', 'stt').verdict, 'slower');
  assert.equal(row(byDefault, 'ws', 'stt').regression, false);
  assert.equal(byDefault.regression, false);
  assert.deepEqual(byDefault.method.regressionSpans, ['v2v']);
  const withStt = buildComparison(inputs, { regressionThreshold: 0.05, regressionSpans: ['v2v', 'stt'] });
  assert.equal(row(withStt, 'ws', 'stt').regression, true);
  assert.ok((row(withStt, 'ws', 'stt').pHolm ?? 1) >= (row(withStt, 'ws', 'stt').mannWhitney?.p ?? 0), 'Holm never lowers a p');
  assert.equal(withStt.regression, true);
});

test('a faster candidate is faster, significant, and not a regression', () => {
  const result = compareV2v(normalSample(1, 'baseline', 40, 550, 20), normalSample(1, 'candidate', 40, 500, 20));
  assert.equal(result.verdict, 'faster');
  assert.equal(result.significant, true);
  assert.ok(result.deltaP50Ms < 0);
  assert.equal(result.regression, false);
});

test('a slower tail alone is a regression when its bootstrap interval is above 0', () => {
  // same bulk, but a tenth of the candidate's turns stall by 300 ms
  const baseline = normalSample(4, 'a', 100, 500, 20);
  const candidate = normalSample(4, 'b', 100, 500, 20).map((ms, i) => (i % 10 === 0 ? ms + 300 : ms));
  const result = compareV2v(baseline, candidate);
  assert.ok((result.deltaP95Relative ?? 0) > 0.05);
  assert.ok((result.deltaP95Interval?.low ?? 0) > 0, JSON.stringify(result.deltaP95Interval));
  assert.equal(result.regression, true);
});

test('below 20 turns p95 is the maximum: no Δp95 interval, so a stalled tail alone is no regression', () => {
  const baseline = normalSample(7, 'a', 10, 500, 20);
  const candidate = normalSample(7, 'b', 10, 500, 20).map((ms, i) => (i === 0 ? ms + 400 : ms));
  const result = compareV2v(baseline, candidate);
  assert.ok((result.deltaP95Relative ?? 0) > 0.05);
  assert.equal(result.deltaP95Interval, undefined);
  assert.equal(result.verdict, 'no significant difference');
  assert.equal(result.regression, false);
});

test('fewer than 3 turns either side: too few samples, no test, no regression', () => {
  const result = compareV2v([500, 510], [900, 950, 1000]);
  assert.equal(result.verdict, 'too few samples');
  assert.equal(result.mannWhitney, undefined);
  assert.equal(result.deltaP95Interval, undefined);
  assert.equal(result.regression, false);
  // still the tables' figures: nearest-rank p50s 500 and 950, each within its histogram bucket (0.1 %)
  assert.ok(Math.abs(result.deltaP50Ms - (950 - 500)) <= 1, `Δp50 ${result.deltaP50Ms}`);
});

test('only transports and spans both measured are compared; every candidate against the first input', () => {
  const rows = (count: number, meanMs: number, key: string) => normalSample(5, key, count, meanMs, 10);
  const comparison = buildComparison([
    { label: 'base.json', result: syntheticResult({ rest: { v2v: rows(10, 900, 'r') }, ws: { v2v: rows(10, 500, 'w'), 'bargein.detect': rows(5, 30, 'd') } }) },
    { label: 'one.json', result: syntheticResult({ ws: { v2v: rows(10, 500, 'w2') }, webrtc: { v2v: rows(10, 450, 'x') } }) },
    { label: 'two.json', result: syntheticResult({ rest: { v2v: rows(10, 950, 'r3') } }) },
  ]);
  assert.deepEqual(
    comparison.candidates.map((candidate) => ({ label: candidate.label, transports: candidate.transports.map((t) => t.transport), baselineOnly: candidate.baselineOnly, candidateOnly: candidate.candidateOnly })),
    [
      { label: 'one.json', transports: ['ws'], baselineOnly: ['rest'], candidateOnly: ['webrtc'] },
      { label: 'two.json', transports: ['rest'], baselineOnly: ['ws'], candidateOnly: [] },
    ],
  );
  assert.deepEqual(comparison.candidates[0]?.transports[0]?.spans.map((entry) => entry.span), ['v2v']);
});

test('the same inputs and seed give the same comparison', () => {
  const inputs = [
    { label: 'a.json', result: syntheticResult({ ws: { v2v: normalSample(6, 'a', 30, 500, 20) } }) },
    { label: 'b.json', result: syntheticResult({ ws: { v2v: normalSample(6, 'b', 30, 510, 20) } }) },
  ];
  assert.deepEqual(buildComparison(inputs, { seed: 9 }), buildComparison(inputs, { seed: 9 }));
});

test('results whose span tables define a span between different marks are refused, naming both files', () => {
  const baseline = syntheticResult({ ws: { v2v: [500, 510, 520] } });
  const candidate = syntheticResult({ ws: { v2v: [500, 510, 520] } });
  candidate.spanTable = candidate.spanTable.map((entry) => (entry.name === 'llm.ttft' ? { ...entry, from: 'llm.request' } : entry));
  assert.throws(
    () => buildComparison([{ label: 'old/result.json', result: baseline }, { label: 'new/result.json', result: candidate }]),
    (error: unknown) => {
      assert.ok(error instanceof IncomparableResultsError);
      assert.ok(error instanceof InputError);
      assert.match(error.message, /new\/result\.json/);
      assert.match(error.message, /old\/result\.json/);
      assert.match(error.message, /llm\.ttft is llm\.start → llm\.first_token in old\/result\.json but llm\.request → llm\.first_token in new\/result\.json/);
      assert.ok(error.hint);
      return true;
    },
  );
  // a span only one table defines is not a difference: it is just not compared
  candidate.spanTable = baseline.spanTable.filter((entry) => entry.name !== 'connect');
  assert.doesNotThrow(() => buildComparison([{ label: 'a', result: baseline }, { label: 'b', result: candidate }]));
});

test('a result without the per-turn records its histograms count is refused', () => {
  const baseline = syntheticResult({ ws: { v2v: [500, 510, 520] } });
  const stripped = { ...syntheticResult({ ws: { v2v: [500, 510, 520] } }), turns: [] };
  assert.throws(() => buildComparison([{ label: 'a.json', result: baseline }, { label: 'old.json', result: stripped }]), /old\.json: ws v2v: the histogram counts 3 turns but 0 per-turn records carry it/);
  assert.throws(() => buildComparison([{ label: 'a.json', result: baseline }]), InputError);
  assert.throws(() => buildComparison([{ label: 'a', result: baseline }, { label: 'b', result: baseline }], { alpha: 5 }), InputError);
});

test('the real fixtures compare: barge-in (loopback) against wifi, every span both measured', () => {
  const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
  const bargeIn = load('barge-in');
  const wifi = load('wifi');
  const comparison = buildComparison([
    { label: 'barge-in.json', result: bargeIn },
    { label: 'wifi.json', result: wifi },
  ]);
  const compared = comparison.candidates[0];
  assert.ok(compared && compared.transports.length > 0);
  for (const transport of compared.transports) {
    const measured = (result: RunResult) => Object.keys(result.transports[transport.transport]?.spans ?? {});
    const both = measured(bargeIn).filter((span) => measured(wifi).includes(span));
    assert.deepEqual(transport.spans.map((entry) => entry.span), both);
  }
});
