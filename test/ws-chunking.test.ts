import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import type { ChunkingPolicy } from '../src/agent/chunking.js';
import type { SimProfile } from '../src/providers/profile.js';
import { PROFILES } from '../src/providers/profiles.js';
import type { TurnRecord } from '../src/report/result.js';
import { assertFirstPhrase, corpusSubset, expectedFirstPhraseMs, runBench } from './helpers.js';

/**
 * `--chunking` is the agent's policy: on the same seed and utterances, only when the first chunk
 * reaches TTS changes, and v2v moves by exactly that much.
 */
/**
 * The constant profile with tokens 50 ms apart instead of 20, so that policies a token apart
 * differ by more than this shared host's occasional late wake-up (up to ~12 ms seen here).
 */
const constant: SimProfile = { ...PROFILES.constant, name: 'constant-50ms-tokens', llm: { ...PROFILES.constant.llm, tokensPerSecond: { p50Ms: 20, p95Ms: 20 } } };
const POLICIES: readonly ChunkingPolicy[] = ['full', 'sentence', 'phrase'];
/** Policies differ by whole tokens, so half a token (25 ms) tells one cut from the next. */
const HALF_TOKEN_MS = 1000 / constant.llm.tokensPerSecond.p50Ms / 2;

test('full, sentence and phrase chunking over ws: the first chunk and v2v move as the policy says', async () => {
  const corpusDir = await corpusSubset(['no-thanks']);
  const byPolicy = new Map<ChunkingPolicy, TurnRecord[]>();
  for (const policy of POLICIES) {
    const { result, turns } = await runBench({ transports: ['ws'], profile: constant, seed: 7, turns: 1, chunking: policy, corpusDir });
    assert.equal(result.transports.ws?.chunking, policy);
    assert.equal(result.config.chunking.ws, policy);
    assert.equal(turns.filter((turn) => turn.error).length, 0, JSON.stringify(turns.filter((turn) => turn.error)));
    byPolicy.set(policy, turns);
    assertFirstPhrase(turns, { policy, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, constant, 'each');
  }
  const full = byPolicy.get('full') ?? [];
  for (const policy of ['sentence', 'phrase'] as const) {
    (byPolicy.get(policy) ?? []).forEach((turn, index) => {
      const baseline = full[index] as TurnRecord;
      assert.equal(turn.utterance, baseline.utterance);
      const firstPhraseGainMs = (baseline.spans['llm.first_phrase'] ?? NaN) - (turn.spans['llm.first_phrase'] ?? NaN);
      const v2vGainMs = (baseline.spans.v2v ?? NaN) - (turn.spans.v2v ?? NaN);
      const options = { policy, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS };
      const expectedGainMs = expectedFirstPhraseMs(turn.transcript ?? '', { ...options, policy: 'full' }, constant) - expectedFirstPhraseMs(turn.transcript ?? '', options, constant);
      assert.ok(expectedGainMs >= 150, `the corpus gives ${policy} a head start on ${turn.utterance} (${expectedGainMs} ms)`);
      assert.ok(Math.abs(firstPhraseGainMs - expectedGainMs) <= HALF_TOKEN_MS, `${policy} hands ${turn.utterance}'s first chunk over ${firstPhraseGainMs.toFixed(1)} ms before full, expected ${expectedGainMs}`);
      // everything else on the path is constant; endpointing may differ by a frame of timing jitter
      assert.ok(Math.abs(v2vGainMs - firstPhraseGainMs) <= HALF_TOKEN_MS, `${policy}, ${turn.utterance}: v2v gain ${v2vGainMs.toFixed(1)} ms vs first-chunk gain ${firstPhraseGainMs.toFixed(1)} ms`);
    });
  }
});
