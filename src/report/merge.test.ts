// test-lane: shared
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mergeResults, type Shard } from './merge.js';
import { TransportResults } from '../run/transport-results.js';
import { decodeSummary, type SpanSummary } from '../metrics/recorder.js';
import { InputError } from '../errors.js';
import type { RunResult, TurnRecord } from './result.js';

/** A real run: quickstart, rest/ws/webrtc, 9 turns each, network wifi. */
const combined = JSON.parse(readFileSync(new URL('../../test/fixtures/results/wifi.json', import.meta.url), 'utf8')) as RunResult;

/** The run cut in two after `split` turns per transport, each part summarized as a run of its own would be. */
function shardsOf(result: RunResult, split: number): [RunResult, RunResult] {
  const part = (keep: (turn: TurnRecord) => boolean, rebase: number, seed: number): RunResult => {
    const turns = result.turns.filter(keep).map((turn) => ({ ...turn, turnIndex: turn.turnIndex - rebase }));
    const transports: RunResult['transports'] = {};
    for (const name of result.config.transports) {
      const results = new TransportResults({ name, chunking: result.transports[name]?.chunking ?? 'full' });
      for (const turn of turns.filter((candidate) => candidate.transport === name)) results.add(turn);
      transports[name] = results.summary();
    }
    return { ...result, config: { ...result.config, seed, turns: turns.length / result.config.transports.length }, transports, turns };
  };
  return [part((turn) => turn.turnIndex < split, 0, 1), part((turn) => turn.turnIndex >= split, split, 2)];
}

function withoutHdr(summary: SpanSummary | undefined): Omit<SpanSummary, 'hdr'> | undefined {
  if (!summary) return undefined;
  const { hdr: _hdr, ...rest } = summary;
  return rest;
}

function percentiles(summary: SpanSummary): number[] {
  const histogram = decodeSummary(summary);
  const values: number[] = [];
  for (const percentile of [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]) values.push(histogram.getValueAtPercentile(percentile));
  return values;
}

describe('merge', () => {
  const [first, second] = shardsOf(combined, 5);

  it('gives the percentiles of one run over all the turns', () => {
    const merged = mergeResults([
      { file: 'shard-1.json', result: first },
      { file: 'shard-2.json', result: second },
    ]);
    for (const name of combined.config.transports) {
      const expected = combined.transports[name];
      const actual = merged.transports[name];
      assert.ok(expected && actual, name);
      assert.ok(first.transports[name]?.spans.v2v?.count === 5 && second.transports[name]?.spans.v2v?.count === 4, 'the shards really split the turns');
      assert.deepEqual(Object.keys(actual.spans), Object.keys(expected.spans), `${name}: the same spans`);
      for (const span of Object.keys(expected.spans) as Array<keyof typeof expected.spans>) {
        const want = expected.spans[span] as SpanSummary;
        const got = actual.spans[span] as SpanSummary;
        assert.deepEqual(withoutHdr(got), withoutHdr(want), `${name} ${span}: count, min, mean, p50…p99, max`);
        assert.equal(got.hdr, want.hdr, `${name} ${span}: the same bucket counts`);
        assert.deepEqual(percentiles(got), percentiles(want), `${name} ${span}: percentiles from p0 to p100`);
      }
      assert.deepEqual(actual.waterfall.medianTurn, expected.waterfall.medianTurn, `${name}: the median turn`);
      assert.deepEqual(actual.waterfall.p95Turn, expected.waterfall.p95Turn, `${name}: the p95 turn`);
      assert.equal(actual.turns, expected.turns);
      assert.equal(actual.waterfall.meanTurn?.v2v.toFixed(6), expected.waterfall.meanTurn?.v2v.toFixed(6));
    }
    for (const name of combined.config.transports) {
      const indexes = (turns: readonly TurnRecord[]): number[] => turns.filter((turn) => turn.transport === name).map((turn) => turn.turnIndex);
      assert.deepEqual(indexes(merged.turns), indexes(combined.turns), `${name}: the second shard's turns follow on from the first's`);
    }
    assert.deepEqual(merged.merged?.shards.map((shard) => [shard.file, shard.seed, shard.turns]), [
      ['shard-1.json', 1, 5],
      ['shard-2.json', 2, 4],
    ]);
    assert.equal(merged.config.turns, 9);
  });

  it('adds what the transports measured outside the turns', () => {
    const webrtc = combined.transports.webrtc;
    assert.ok(webrtc?.rtp && webrtc.network && webrtc.connect);
    const copies = [structuredClone(first), structuredClone(second)];
    for (const shard of copies) shard.transports.webrtc = { ...(shard.transports.webrtc as NonNullable<RunResult['transports']['webrtc']>), rtp: webrtc.rtp, network: webrtc.network, connect: webrtc.connect };
    const merged = mergeResults(copies.map((result, index) => ({ file: `${index}`, result }))).transports.webrtc;
    assert.equal(merged?.rtp?.uplink.packetsReceived, 2 * webrtc.rtp.uplink.packetsReceived);
    assert.equal(merged?.network?.uplink.lost, 2 * webrtc.network.uplink.lost);
    assert.deepEqual(merged?.connect?.warmMs, [...webrtc.connect.warmMs, ...webrtc.connect.warmMs]);
  });

  it('refuses results that are not shards of one benchmark, naming each difference', () => {
    const other = { ...second, config: { ...second.config, profile: 'constant', network: { ...second.config.network, name: 'none' } } };
    const spans = { ...second, spanTable: second.spanTable.map((span) => (span.name === 'v2v' ? { ...span, to: 'caller.first_audio' } : span)) };
    const attempt = (shards: Shard[]): string => {
      try {
        mergeResults(shards);
      } catch (err) {
        assert.ok(err instanceof InputError);
        assert.equal(err.exitCode, 2);
        return `${err.message}\n${err.hint ?? ''}`;
      }
      assert.fail('merged');
    };
    const message = attempt([
      { file: 'one.json', result: first },
      { file: 'two.json', result: other },
      { file: 'three.json', result: spans },
    ]);
    assert.match(message, /two\.json: config\.profile "constant" differs from one\.json's "typical"/);
    assert.match(message, /two\.json: config\.network .* differs/);
    assert.match(message, /three\.json: its span table differs from one\.json's \(v2v\)/);
    assert.match(message, /to put different runs side by side use: voicebench compare/);
    assert.match(attempt([{ file: 'one.json', result: first }]), /at least two results/);
    assert.match(attempt([
      { file: 'one.json', result: first },
      { file: 'v1.json', result: { ...second, schemaVersion: 1 as unknown as 2 } },
    ]), /v1\.json: schemaVersion 1 differs from one\.json's 2/);
  });
});
