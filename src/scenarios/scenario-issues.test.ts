import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, formatProblem, shown } from './scenario-issues.js';

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
