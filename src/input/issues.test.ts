// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeIssues, formatPath, formatProblem, shown } from './issues.js';

test('key paths read as they would be written in code', () => {
  assert.equal(formatPath(['turns', 2, 'bargeIn', 'afterBotAudioMs']), 'turns[2].bargeIn.afterBotAudioMs');
  assert.equal(formatPath(['transports', 0]), 'transports[0]');
  assert.equal(formatPath([]), 'top level');
});

test('received values are shown quoted or by kind', () => {
  assert.equal(shown('soon'), '"soon"');
  assert.equal(shown(-1), '-1');
  assert.equal(shown(null), 'an empty value');
  assert.equal(shown([]), 'an empty list');
  assert.equal(shown(['a']), 'a list');
  assert.equal(shown({ a: 1 }), 'a mapping');
  assert.equal(shown('x'.repeat(100)), `"${'x'.repeat(57)}..."`);
});

test('a problem names its file, then where', () => {
  assert.equal(formatProblem('a.yaml', { where: 'seed', message: 'expected a whole number' }), 'a.yaml: seed: expected a whole number');
  assert.equal(formatProblem('a.yaml', { where: '', message: 'the file is empty' }), 'a.yaml: the file is empty');
});

test('a missing key is named at its parent, with the values an enum accepts', () => {
  const schema = z.strictObject({ stage: z.strictObject({ provider: z.enum(['sim', 'openai']), model: z.string() }) });
  const parsed = schema.safeParse({ stage: {} }, { reportInput: true });
  assert.ok(!parsed.success);
  assert.deepEqual(
    describeIssues(parsed.error.issues, schema).map((problem) => `${problem.where}: ${problem.message}`),
    ['stage: missing required key "provider" (one of sim, openai)', 'stage: missing required key "model"'],
  );
});
