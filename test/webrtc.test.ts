import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import { SIM_TTS_LEAD_SILENCE_MS } from '../src/providers/sim/flite-renderer.js';
import { PROFILES } from '../src/providers/profiles.js';
import type { RunResult } from '../src/report/result.js';
import { DEFAULT_JITTER_BUFFER_MS } from '../src/transports/transport.js';
import { assertAccuracy, assertFirstPhrase, assertWaterfallsSum, corpusSubset, percentile, runBench } from './helpers.js';

/**
 * WebRTC over loopback: werift on both sides, RTP audio, events on a data channel. Stage spans
 * keep the accuracy contract; what the transport adds is the jitter buffer, the codec and one
 * 20 ms frame at most.
 */
const constant = PROFILES.constant;
const FRAME_MS = 20;

test('webrtc with Opus, --profile constant: stage spans as configured, playout is the jitter buffer, no packet lost', async () => {
  const { result, turns, hostStallsMs } = await runBench({ transports: ['webrtc'], profile: 'constant', seed: 1, turns: 4, codec: 'opus' });
  const webrtc = result.transports.webrtc;
  assert.ok(webrtc);
  assert.equal(webrtc.chunking, 'phrase', 'webrtc defaults to phrase chunking');
  assert.equal(webrtc.errors, 0, JSON.stringify(turns.filter((turn) => turn.error)));
  assertAccuracy('stt (eou → stt.final)', turns.map((turn) => turn.spans.stt ?? NaN), constant.stt.streamingFinal.p50Ms, hostStallsMs);
  assertAccuracy('llm.ttft', turns.map((turn) => turn.spans['llm.ttft'] ?? NaN), constant.llm.ttft.p50Ms, hostStallsMs);
  assertAccuracy('tts.ttfb', turns.map((turn) => turn.spans['tts.ttfb'] ?? NaN), constant.tts.ttfb.p50Ms, hostStallsMs);
  assertFirstPhrase(turns, { policy: 'phrase', firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, constant, 'median');
  // the caller hears audio the jitter buffer later, after the TTS's leading silence and the codec's delay (under a frame)
  const playoutP50 = percentile(turns.map((turn) => turn.spans.playout ?? NaN), 50);
  const heldMs = DEFAULT_JITTER_BUFFER_MS + SIM_TTS_LEAD_SILENCE_MS;
  assert.ok(playoutP50 >= heldMs && playoutP50 <= heldMs + FRAME_MS, `playout p50 ${playoutP50.toFixed(2)} ms`);
  assertWaterfallsSum(turns);
  const otherP50 = percentile(turns.map((turn) => turn.waterfall?.other ?? NaN), 50);
  assert.ok(otherP50 <= FRAME_MS, `waterfall other p50 ${otherP50.toFixed(2)} ms`);
  const rtp = webrtc.rtp;
  assert.ok(rtp && rtp.uplink.packetsReceived > 100 && rtp.downlink.packetsReceived > 100, JSON.stringify(rtp));
  assert.equal(rtp.uplink.packetsLost, 0);
  assert.equal(rtp.downlink.packetsLost, 0);
  assert.equal(rtp.codec, 'opus');
  const connect = webrtc.connect;
  assert.ok(connect && connect.warmMs.length === 3 && connect.warmMs.every((ms) => ms > 0), JSON.stringify(connect));
});

test('webrtc with G.711 µ-law: the turn completes, nothing lost, the codec is reported', async () => {
  const { result, turns } = await runBench({ transports: ['webrtc'], profile: 'constant', seed: 1, turns: 1, codec: 'pcmu', corpusDir: await corpusSubset(['no-thanks']) });
  assert.equal(turns[0]?.error, undefined, JSON.stringify(turns[0]?.error));
  assert.ok((turns[0]?.spans.v2v ?? 0) > 0);
  assert.equal(result.config.codec, 'pcmu');
  assert.equal(result.transports.webrtc?.rtp?.codec, 'pcmu');
  assert.equal(result.transports.webrtc?.rtp?.downlink.packetsLost, 0);
});

test('voicebench run --transport webrtc exits by itself when the run is done', async () => {
  const out = await mkdtemp(join(tmpdir(), 'voicebench-webrtc-'));
  const main = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'src', 'cli', 'main.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', main, 'run', '--transport', 'webrtc', '--corpus', await corpusSubset(['yes']), '--profile', 'constant', '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.error, undefined, 'the process ended within 60 s (no UDP socket kept it alive)');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /webrtc: chunking phrase, 1 turns, 0 errors; opus, jitter buffer 40 ms; RTP lost 0\/\d+ up, 0\/\d+ down; concealed frames 0 up \(agent\), 0 down \(caller\); connect \(ICE \+ DTLS, not in v2v\): (cold \d+ ms, )?warm \d+ ms/);
  const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(saved.complete, true);
  assert.ok(saved.transports.webrtc?.connect?.coldMs !== undefined, 'a new process reports its first connection as cold');
});
