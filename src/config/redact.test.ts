// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from './redact.js';

const KEY = 'sk-proj-Ab3/x+y=z&q';

test('a key in a message is replaced by the name of its variable', () => {
  assert.equal(redactSecrets(`401 Incorrect API key provided: ${KEY}.`, { OPENAI_API_KEY: KEY }), '401 Incorrect API key provided: [redacted $OPENAI_API_KEY].');
});

test('every occurrence is replaced, and in JSON and URL-encoded forms', () => {
  const env = { GROQ_API_KEY: KEY };
  assert.equal(redactSecrets(`${KEY} then ${KEY}`, env), '[redacted $GROQ_API_KEY] then [redacted $GROQ_API_KEY]');
  assert.equal(redactSecrets(JSON.stringify({ headers: { authorization: `Bearer ${KEY}` } }), env), '{"headers":{"authorization":"Bearer [redacted $GROQ_API_KEY]"}}');
  assert.notEqual(encodeURIComponent(KEY), KEY, 'the test key changes when encoded');
  assert.equal(redactSecrets(`GET /v1/models?key=${encodeURIComponent(KEY)}&x=1`, env), 'GET /v1/models?key=[redacted $GROQ_API_KEY]&x=1');
  const quoted = 'abc"def\\ghi';
  assert.equal(redactSecrets(JSON.stringify({ key: quoted }), { A_TOKEN: quoted }), '{"key":"[redacted $A_TOKEN]"}');
});

test('variables ending in _KEY, _TOKEN or _SECRET are found without being named; others only when named', () => {
  const env = { HF_TOKEN: 'hf_0123456789', CLIENT_SECRET: 'cs_0123456789', OLLAMA_AUTH: 'ollama-0123456789', HOME: '/home/someone' };
  const text = 'hf_0123456789 cs_0123456789 ollama-0123456789 /home/someone';
  assert.equal(redactSecrets(text, env), '[redacted $HF_TOKEN] [redacted $CLIENT_SECRET] ollama-0123456789 /home/someone');
  assert.equal(redactSecrets(text, env, ['OLLAMA_AUTH']), '[redacted $HF_TOKEN] [redacted $CLIENT_SECRET] [redacted $OLLAMA_AUTH] /home/someone');
});

test('short values are not matched, named or not', () => {
  const env = { OPENAI_API_KEY: 'local', SHORT_TOKEN: '1234567' };
  assert.equal(redactSecrets('connect to localhost: 1234567', env, ['OPENAI_API_KEY']), 'connect to localhost: 1234567');
});

test('a value shared by two variables takes the name asked for; a longer value wins over one inside it', () => {
  const env = { A_KEY: 'secret-12345678', B_KEY: 'secret-12345678', LONG_KEY: 'secret-12345678-and-more' };
  assert.equal(redactSecrets('secret-12345678', env, ['B_KEY']), '[redacted $B_KEY]');
  assert.equal(redactSecrets('secret-12345678', env), '[redacted $A_KEY]');
  assert.equal(redactSecrets('secret-12345678-and-more', env), '[redacted $LONG_KEY]');
});

test('unset and missing variables change nothing', () => {
  assert.equal(redactSecrets('nothing to hide', {}, ['OPENAI_API_KEY']), 'nothing to hide');
});
