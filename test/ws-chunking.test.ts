import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import type { ChunkingPolicy } from '../src/agent/chunking.js';
import { PROFILES } from '../src/providers/profiles.js';
import type { TurnRecord } from '../src/report/result.js';
import { corpusSubset, expectedFirstPhraseMs, runBench } from './helpers.js';

/**
 * `--chunking` is the agent's policy: on the same seed and utterances, only when the first chunk
 * reaches TTS changes, and v2v moves by exactly that much.
 */
const constant = PROFILES.constant;
const POLICIES: readonly ChunkingPolicy[] = ['full', 'sentence', 'phrase'];
/**
 * Policies differ by whole tokens (20 ms apart in the constant profile), so half a token tells
 * one cut from the next while leaving room for a cold first turn's scheduling jitter.
 */
const HALF_TOKEN_MS = 1000 / constant.llm.tokensPerSecond.p50Ms / 2;

test('full, sentence and phrase chunking over ws: the first chunk and v2v move as the policy says', async () => {
  const corpusDir = await corpusSubset(['yes', 'no-thanks']);
  const byPolicy = new Map<ChunkingPolicy, TurnRecord[]>();
  for (const policy of POLICIES) {
    const { result, turns } = await runBench({ transports: ['ws'], profile: 'constant', seed: 7, turns: 2, chunking: policy, corpusDir });
    assert.equal(result.transports.ws?.chunking, policy);
    assert.equal(result.config.chunking.ws, policy);
    assert.equal(turns.filter((turn) => turn.error).length, 0, JSON.stringify(turns.filter((turn) => turn.error)));
    byPolicy.set(policy, turns);
    for (const turn of turns) {
      const expectedMs = expectedFirstPhraseMs(turn.transcript ?? '', { policy, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, constant);
      const measuredMs = turn.spans['llm.first_phrase'] ?? NaN;
      assert.ok(Math.abs(measuredMs - expectedMs) <= HALF_TOKEN_MS, `${policy}, ${turn.utterance}: llm.first_phrase ${measuredMs.toFixed(2)} ms, expected ${expectedMs}`);
    }
  }
  const full = byPolicy.get('full') ?? [];
  for (const policy of ['sentence', 'phrase'] as const) {
    (byPolicy.get(policy) ?? []).forEach((turn, index) => {
      const baseline = full[index] as TurnRecord;
      assert.equal(turn.utterance, baseline.utterance);
      const firstPhraseGainMs = (baseline.spans['llm.first_phrase'] ?? NaN) - (turn.spans['llm.first_phrase'] ?? NaN);
      const v2vGainMs = (baseline.spans.v2v ?? NaN) - (turn.spans.v2v ?? NaN);
      assert.ok(firstPhraseGainMs >= 60, `${policy} hands ${turn.utterance}'s first chunk over earlier than full (by ${firstPhraseGainMs.toFixed(1)} ms)`);
      // everything else on the path is constant; endpointing may differ by a frame of timing jitter
      assert.ok(Math.abs(v2vGainMs - firstPhraseGainMs) <= HALF_TOKEN_MS, `${policy}, ${turn.utterance}: v2v gain ${v2vGainMs.toFixed(1)} ms vs first-chunk gain ${firstPhraseGainMs.toFixed(1)} ms`);
    });
  }
});
