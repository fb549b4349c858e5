// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envNameProblem, httpUrlProblem, isSecretKeyName } from './provider-schema.js';

test('key names that would hold a secret are recognised; apiKeyEnv and the format keys are not', () => {
  for (const name of ['apiKey', 'api_key', 'API-KEY', 'key', 'keys', 'openaiKey', 'token', 'accessToken', 'secret', 'clientSecret', 'password', 'bearer', 'authorization']) {
    assert.ok(isSecretKeyName(name), name);
  }
  for (const name of ['apiKeyEnv', 'api_key_env', 'provider', 'baseUrl', 'model', 'voice', 'timeoutMs', 'maxRetries', 'errorRate', 'max', 'minTurns', 'stt']) {
    assert.ok(!isSecretKeyName(name), name);
  }
});

test('a variable name is capitals, digits and _; a $NAME gets its fix; anything else is not echoed', () => {
  assert.equal(envNameProblem('GROQ_API_KEY'), undefined);
  assert.equal(envNameProblem('_X1'), undefined);
  assert.equal(envNameProblem('${GROQ_API_KEY}'), 'write the variable\'s name without "$": GROQ_API_KEY');
  for (const value of ['groq_api_key', '1KEY', 'sk-abc123', '']) assert.ok(!(envNameProblem(value) ?? '').includes(value === '' ? '""' : value), value);
});

test('a provider URL is http or https without credentials', () => {
  assert.equal(httpUrlProblem('http://127.0.0.1:8787/v1'), undefined);
  assert.equal(httpUrlProblem('https://api.groq.com/openai/v1'), undefined);
  assert.match(httpUrlProblem('ws://127.0.0.1/v1') ?? '', /expected an http:\/\/ or https:\/\/ URL/);
  assert.match(httpUrlProblem('127.0.0.1:8787') ?? '', /expected an http:\/\/ or https:\/\/ URL/);
  assert.match(httpUrlProblem('https://user:pw@host/v1') ?? '', /holds credentials/);
  assert.ok(!(httpUrlProblem('https://user:pw@host/v1') ?? '').includes('pw'));
});
