// test-lane: shared
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluateGates, GateSyntaxError, gatesHeld, metricName, parseGate, spanPercentile } from './gates.js';
import type { RunResult, TransportResult } from '../report/result.js';

const TRANSPORTS = ['rest', 'ws', 'webrtc'];
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/results/barge-in.json', import.meta.url), 'utf8')) as RunResult;

function syntaxError(source: string): string {
  try {
    parseGate(source, TRANSPORTS);
  } catch (err) {
    assert.ok(err instanceof GateSyntaxError, `expected a GateSyntaxError for ${source}, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`"${source}" parsed, but it should not`);
}

describe('gate grammar', () => {
  it('parses a percentile of a span with a threshold in ms or s', () => {
    assert.deepEqual(parseGate('p95(v2v) < 800ms', TRANSPORTS), { source: 'p95(v2v) < 800ms', metric: { type: 'span', stat: { kind: 'percentile', percentile: 95 }, span: 'v2v' }, transport: undefined, op: '<', threshold: 800 });
    assert.equal(parseGate('p99(bargein.detect) <= 0.05s', TRANSPORTS).threshold, 50);
    assert.deepEqual(parseGate('p99.9(llm.ttft)>=1ms', TRANSPORTS).metric, { type: 'span', stat: { kind: 'percentile', percentile: 99.9 }, span: 'llm.ttft' });
    assert.equal(parseGate('  mean( tts.ttfb )  >  10 ms ', TRANSPORTS).op, '>');
    assert.deepEqual(parseGate('max(uplink) < 40ms', TRANSPORTS).metric, { type: 'span', stat: { kind: 'max' }, span: 'uplink' });
  });

  it('parses a rate in percent, as a fraction', () => {
    const gate = parseGate('rate(errors) < 1%', TRANSPORTS);
    assert.deepEqual(gate.metric, { type: 'rate', counter: 'errors' });
    assert.equal(gate.threshold, 0.01);
    assert.equal(metricName(parseGate('rate(bargein.correct) >= 100%', TRANSPORTS).metric), 'rate(bargein.correct)');
  });

  it('parses a transport scope', () => {
    const gate = parseGate('p95(v2v){transport=webrtc} < 500ms', TRANSPORTS);
    assert.equal(gate.transport, 'webrtc');
    assert.equal(parseGate('p95(v2v) { transport = ws } < 500ms', TRANSPORTS).transport, 'ws');
  });

  it('names an unknown span, suggests the nearest, and lists the valid ones', () => {
    const message = syntaxError('p95(v2w) < 800ms');
    assert.match(message, /unknown span "v2w"; did you mean "v2v"\?/);
    assert.match(message, /Spans: v2v, endpointing, stt, llm\.ttft/);
  });

  it('names an unknown aggregation and lists the valid ones', () => {
    const message = syntaxError('p95x(v2v) < 800ms');
    assert.match(message, /unknown aggregation "p95x"/);
    assert.match(message, /p<N> \(a percentile, e\.g\. p50, p95, p99\.9\), mean, min, max, or rate\(<counter>\)/);
    assert.match(syntaxError('avg(v2v) < 800ms'), /unknown aggregation "avg"/);
    assert.match(syntaxError('p0(v2v) < 800ms'), /out of range: expected p<N> with 0 < N ≤ 100/);
    assert.match(syntaxError('p101(v2v) < 800ms'), /out of range/);
  });

  it('rejects an unknown counter, scope key or transport', () => {
    assert.match(syntaxError('rate(eror) < 1%'), /unknown counter "eror" for rate\(\); did you mean "errors"\? Counters: errors, bargein\.correct/);
    assert.match(syntaxError('p95(v2v){region=eu} < 1ms'), /unknown scope key "region"/);
    assert.match(syntaxError('p95(v2v){transport=grpc} < 1ms'), /unknown transport "grpc" in the scope; transports: rest, ws, webrtc/);
    assert.match(parseGateError('p95(v2v){transport=webrtc} < 1ms', ['rest']), /unknown transport "webrtc"/);
  });

  it('wants a unit that fits the metric', () => {
    assert.match(syntaxError('p95(v2v) < 800'), /the threshold needs a unit: 800ms or 800s at column 15/);
    assert.match(syntaxError('p95(v2v) < 5%'), /a span's threshold is a duration, not a percentage/);
    assert.match(syntaxError('rate(errors) < 0.01'), /a rate's threshold is a percentage: write 0\.01%/);
    assert.match(syntaxError('rate(errors) < 150%'), /150% is not a rate/);
    assert.match(syntaxError('p95(v2v) < -5ms'), /cannot be negative/);
  });

  it('says where the expression stops making sense', () => {
    assert.match(syntaxError('p95(v2v) << 800ms'), /expected a threshold, e\.g\. 800ms at column 11 \(found "< 800ms"\)/);
    assert.match(syntaxError('p95(v2v) = 800ms'), /expected a comparison: <, <=, > or >= at column 10 \(found "= 800ms"\)/);
    assert.match(syntaxError('p95(v2v < 800ms'), /expected "\)" at column 9 \(found "< 800ms"\)/);
    assert.match(syntaxError('p95(v2v) < 800ms and more'), /nothing more after the threshold at column 18 \(found "and more"\)/);
    assert.match(syntaxError(''), /expected an aggregation/);
    assert.match(syntaxError('p95(v2v)'), /expected a comparison: <, <=, > or >= at column 9 \(found the end\)/);
  });

  it('is parsed, never evaluated as code', () => {
    assert.match(syntaxError('p95(v2v) < 800ms; process.exit(1)'), /nothing more after the threshold/);
    assert.match(syntaxError('constructor(v2v) < 1ms'), /unknown aggregation "constructor"/);
    assert.match(syntaxError('rate(__proto__) < 1%'), /unknown counter "__proto__"/);
  });
});

function parseGateError(source: string, transports: string[]): string {
  assert.throws(() => parseGate(source, transports), GateSyntaxError);
  try {
    parseGate(source, transports);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('gate evaluation', () => {
  const transports = fixture.transports;
  const ws = transports.ws as TransportResult;

  it('measures a percentile as the report shows it, on every transport unless scoped', () => {
    const v2v = ws.spans.v2v;
    assert.ok(v2v);
    const outcomes = evaluateGates([parseGate(`p95(v2v) < ${v2v.p95 + 1}ms`, TRANSPORTS)], transports);
    assert.deepEqual(outcomes.map((outcome) => outcome.transport), ['rest', 'ws', 'webrtc']);
    const wsOutcome = outcomes.find((outcome) => outcome.transport === 'ws');
    assert.equal(wsOutcome?.measured, v2v.p95);
    assert.equal(wsOutcome?.samples, v2v.count);
    assert.equal(wsOutcome?.held, true);
    assert.equal(spanPercentile(v2v, 50), v2v.p50);
  });

  it('fails at the threshold for <, holds at it for <=', () => {
    const p95 = ws.spans.v2v?.p95 as number;
    const [strict] = evaluateGates([parseGate(`p95(v2v){transport=ws} < ${p95}ms`, TRANSPORTS)], transports);
    const [inclusive] = evaluateGates([parseGate(`p95(v2v){transport=ws} <= ${p95}ms`, TRANSPORTS)], transports);
    assert.equal(strict?.held, false);
    assert.equal(inclusive?.held, true);
    assert.equal(gatesHeld([strict, inclusive].filter((outcome) => outcome !== undefined)), false);
  });

  it('measures the error rate and the barge-in correctness rate in percent', () => {
    const broken: Partial<Record<'ws', TransportResult>> = { ws: { ...ws, turns: 8, errors: 2 } };
    const [errors] = evaluateGates([parseGate('rate(errors) < 1%', TRANSPORTS)], broken);
    assert.equal(errors?.measured, 25);
    assert.equal(errors?.unit, '%');
    assert.equal(errors?.held, false);
    const [correct] = evaluateGates([parseGate('rate(bargein.correct) >= 100%{transport=ws}'.replace('{transport=ws}', ''), TRANSPORTS)], { ws });
    assert.equal(correct?.measured, ((ws.bargeIn?.correct ?? 0) / (ws.bargeIn?.turns ?? 1)) * 100);
  });

  it('fails a gate with nothing to measure, saying why', () => {
    const noBargeIn: TransportResult = { ...ws, spans: { v2v: ws.spans.v2v } };
    delete noBargeIn.bargeIn;
    const [detect] = evaluateGates([parseGate('p99(bargein.detect) <= 50ms', TRANSPORTS)], { ws: noBargeIn });
    assert.equal(detect?.held, false);
    assert.equal(detect?.measured, undefined);
    assert.match(detect?.reason ?? '', /no bargein\.detect samples/);
    const [missing] = evaluateGates([parseGate('p95(v2v){transport=webrtc} < 1s', TRANSPORTS)], { ws });
    assert.deepEqual([missing?.transport, missing?.held, missing?.reason], ['webrtc', false, 'the transport did not run']);
  });
});
