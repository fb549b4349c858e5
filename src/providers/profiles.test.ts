// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProfile, isProfileName, PROFILE_NAMES, PROFILES } from './profiles.js';
import type { LatencyDistribution, SimProfile } from './profile.js';
import { InputError } from '../errors.js';

/** Every distribution in a profile, by path, optional ones only when set. */
function distributions(profile: SimProfile): [string, LatencyDistribution][] {
  const all: [string, LatencyDistribution | undefined][] = [
    ['stt.batch', profile.stt.batch],
    ['stt.streamingFinal', profile.stt.streamingFinal],
    ['llm.ttft', profile.llm.ttft],
    ['llm.tokensPerSecond', profile.llm.tokensPerSecond],
    ['llm.completion', profile.llm.completion],
    ['tts.ttfb', profile.tts.ttfb],
    ['tts.total', profile.tts.total],
  ];
  return all.filter((entry): entry is [string, LatencyDistribution] => entry[1] !== undefined);
}

test('PROFILE_NAMES lists exactly the profiles, each named as its key', () => {
  assert.deepEqual(Object.keys(PROFILES).sort(), [...PROFILE_NAMES].sort());
  for (const name of PROFILE_NAMES) assert.equal(PROFILES[name].name, name);
});

test('every profile has a summary, sources, and well-formed figures', () => {
  for (const name of PROFILE_NAMES) {
    const profile = PROFILES[name];
    assert.ok(profile.summary.length > 0, `${name}.summary`);
    assert.ok(profile.sources.length >= 1, `${name}.sources`);
    for (const source of profile.sources) assert.ok(source.trim().length > 0, `${name}: empty source`);
    for (const [path, dist] of distributions(profile)) {
      assert.ok(Number.isFinite(dist.p50Ms) && dist.p50Ms > 0, `${name}.${path}.p50Ms > 0`);
      assert.ok(Number.isFinite(dist.p95Ms) && dist.p95Ms >= dist.p50Ms, `${name}.${path}.p95Ms >= p50Ms`);
    }
    for (const stage of ['stt', 'llm', 'tts'] as const) {
      assert.ok(Number.isFinite(profile[stage].rttMs) && profile[stage].rttMs >= 0, `${name}.${stage}.rttMs >= 0`);
    }
    assert.ok(profile.tts.realtimeFactor > 0, `${name}.tts.realtimeFactor > 0`);
    assert.ok(Number.isFinite(profile.coldStartMs) && profile.coldStartMs >= 0, `${name}.coldStartMs >= 0`);
  }
});

test('a whole-answer or whole-audio override is never shorter than its first output', () => {
  for (const name of PROFILE_NAMES) {
    const { llm, tts } = PROFILES[name];
    if (llm.completion) assert.ok(llm.completion.p50Ms > llm.ttft.p50Ms, `${name}: completion > ttft`);
    if (tts.total) assert.ok(tts.total.p50Ms > tts.ttfb.p50Ms, `${name}: total > ttfb`);
  }
});

test('constant: the exact fixed figures, p50 == p95 everywhere, no network and no cold start', () => {
  const profile = PROFILES.constant;
  for (const [path, dist] of distributions(profile)) assert.equal(dist.p95Ms, dist.p50Ms, path);
  assert.deepEqual(profile.stt.batch, { p50Ms: 200, p95Ms: 200 });
  assert.deepEqual(profile.stt.streamingFinal, { p50Ms: 200, p95Ms: 200 });
  assert.deepEqual(profile.llm.ttft, { p50Ms: 300, p95Ms: 300 });
  assert.deepEqual(profile.llm.tokensPerSecond, { p50Ms: 50, p95Ms: 50 });
  assert.equal(profile.llm.completion, undefined);
  assert.deepEqual(profile.tts.ttfb, { p50Ms: 100, p95Ms: 100 });
  assert.equal(profile.tts.total, undefined);
  assert.equal(profile.tts.realtimeFactor, 20);
  assert.deepEqual([profile.stt.rttMs, profile.llm.rttMs, profile.tts.rttMs], [0, 0, 0]);
  assert.equal(profile.coldStartMs, 0);
});

test('seed-article: STT + whole LLM answer + whole TTS audio add up to the article\'s 1400 ms at p50', () => {
  const { stt, llm, tts, coldStartMs } = PROFILES['seed-article'];
  assert.equal(stt.batch.p50Ms, 200);
  assert.equal(llm.completion?.p50Ms, 800);
  assert.equal(tts.total?.p50Ms, 400);
  assert.equal(stt.batch.p50Ms + (llm.completion?.p50Ms ?? NaN) + (tts.total?.p50Ms ?? NaN), 1400);
  // The article's figures are end to end per stage: the network is inside them.
  assert.deepEqual([stt.rttMs, llm.rttMs, tts.rttMs], [0, 0, 0]);
  assert.equal(coldStartMs, 0);
});

test('typical: network separate from processing, cold start set, LLM TTFT tail 1.5–2.5× p50', () => {
  const { stt, llm, tts, coldStartMs } = PROFILES.typical;
  for (const rttMs of [stt.rttMs, llm.rttMs, tts.rttMs]) assert.ok(rttMs > 0);
  assert.ok(coldStartMs > 0);
  const ratio = llm.ttft.p95Ms / llm.ttft.p50Ms;
  assert.ok(ratio >= 1.5 && ratio <= 2.5, `llm.ttft p95/p50 = ${ratio}`);
  assert.equal(llm.completion, undefined);
  assert.equal(tts.total, undefined);
});

test('profiles are frozen', () => {
  const profile = getProfile('typical');
  assert.throws(() => {
    (profile.llm.ttft as { p50Ms: number }).p50Ms = 1;
  }, TypeError);
  assert.equal(PROFILES.typical.llm.ttft.p50Ms, 450);
});

test('getProfile returns each named profile', () => {
  for (const name of PROFILE_NAMES) {
    assert.equal(getProfile(name), PROFILES[name]);
    assert.ok(isProfileName(name));
  }
  assert.ok(!isProfileName('toString'));
});

test('getProfile: an unknown name is an InputError whose hint lists the valid names', () => {
  const error = catchInputError(() => getProfile('realistic'));
  assert.match(error.message, /unknown sim profile "realistic"/);
  assert.equal(error.exitCode, 2);
  for (const name of PROFILE_NAMES) assert.ok(error.hint?.includes(name), `hint names ${name}`);
  assert.ok(!error.hint?.includes('did you mean'), 'nothing is close to "realistic"');
});

test('getProfile: a near miss gets a "did you mean"', () => {
  assert.match(catchInputError(() => getProfile('typcal')).hint ?? '', /did you mean "typical"\?/);
  assert.match(catchInputError(() => getProfile('seed_artcle')).hint ?? '', /did you mean "seed-article"\?/);
  assert.match(catchInputError(() => getProfile('Constant')).hint ?? '', /did you mean "constant"\?/);
  assert.ok(!(catchInputError(() => getProfile('toString')).hint ?? '').includes('did you mean'));
});

function catchInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an InputError');
}
