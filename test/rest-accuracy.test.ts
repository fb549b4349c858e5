import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROFILES } from '../src/providers/profiles.js';
import type { RunResult } from '../src/report/result.js';
import { assertAccuracy, assertWaterfallsSum, percentile, runRest } from './helpers.js';

/**
 * The accuracy contract of issue #2: with zero-variance providers, what voicebench measures is
 * what the providers were configured to take, within ±1 ms at p50 and ±3 ms at p99, and the
 * waterfall leaves at most 2 ms (p50) unexplained.
 */
const constant = PROFILES.constant;
const TURNS = 6;

test('REST over loopback with --profile constant measures the configured stage latencies', async () => {
  const { result, turns, dir, hostStallsMs } = await runRest('constant', 1, TURNS);
  const rest = result.transports.rest;
  assert.ok(rest, 'rest results');
  assert.equal(rest.turns, TURNS);
  assert.equal(rest.errors, 0, JSON.stringify(turns.filter((turn) => turn.error)));
  assert.equal(turns.length, TURNS);

  const within = (name: string, measuredMs: readonly number[], expectedMs: number): void => assertAccuracy(name, measuredMs, expectedMs, hostStallsMs);
  within('llm.ttft', turns.map((turn) => turn.spans['llm.ttft'] ?? NaN), constant.llm.ttft.p50Ms);
  within('tts.ttfb', turns.map((turn) => turn.spans['tts.ttfb'] ?? NaN), constant.tts.ttfb.p50Ms);
  // In REST the `stt` span runs from the caller's end of utterance, so it also holds the upload
  // and the request decode; the STT's own time is the waterfall's stt segment.
  within('stt (stt.start → stt.final)', turns.map((turn) => turn.waterfall?.stt ?? NaN), constant.stt.batch.p50Ms);
  within(
    'stt span minus upload and decode',
    turns.map((turn) => (turn.spans.stt ?? NaN) - ((turn.marksMs['stt.start'] ?? NaN) - (turn.marksMs.eou ?? NaN))),
    constant.stt.batch.p50Ms,
  );

  assertWaterfallsSum(turns);
  for (const turn of turns) {
    // the caller measured speech end from the sidecar; endpointing is the timeout plus at most one VAD window and a frame
    assert.ok((turn.spans.endpointing ?? 0) >= 500, `endpointing ${turn.spans.endpointing}`);
  }
  const otherP50 = percentile(turns.map((turn) => turn.waterfall?.other ?? NaN), 50);
  assert.ok(otherP50 <= 2, `waterfall other p50 ${otherP50.toFixed(3)} ms`);

  // result.json on disk matches what the run returned and follows the contract
  const onDisk = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as RunResult;
  assert.equal(onDisk.schemaVersion, 2);
  assert.equal(onDisk.complete, true);
  assert.equal(onDisk.config.profile, 'constant');
  assert.equal(onDisk.config.seed, 1);
  assert.equal(onDisk.tool.name, 'voicebench');
  const v2v = onDisk.transports.rest?.spans.v2v;
  assert.ok(v2v && typeof v2v.hdr === 'string' && v2v.hdr.length > 0);
  assert.equal(v2v.count, TURNS);
  for (const key of ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const) assert.equal(typeof v2v[key], 'number', key);
  assert.ok(Math.abs(v2v.p50 - percentile(turns.map((turn) => turn.spans.v2v ?? NaN), 50)) <= v2v.p50 * 0.001 + 0.001);
});
