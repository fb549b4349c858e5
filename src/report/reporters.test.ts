// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { destination, parseReporters } from './reporters.js';
import { checkStdout } from '../cli/gate-options.js';
import { InputError } from '../errors.js';

function rejection(value: string): string {
  try {
    parseReporters(value);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError);
    return err.message;
  }
  assert.fail(`"${value}" was accepted`);
}

test('reporters: several at once, each to its default or where it is sent', () => {
  const requests = parseReporters('table, html,markdown:-,junit:ci/junit.xml,github');
  assert.deepEqual(requests, [{ name: 'table' }, { name: 'html' }, { name: 'markdown', to: '-' }, { name: 'junit', to: 'ci/junit.xml' }, { name: 'github' }]);
  assert.deepEqual(requests.map(destination), ['stdout', { file: 'report.html', inDir: true }, 'stdout', { file: 'ci/junit.xml', inDir: false }, 'github']);
  assert.deepEqual(destination({ name: 'junit' }), { file: 'junit.xml', inDir: true });
  assert.deepEqual(destination({ name: 'markdown' }), { file: 'report.md', inDir: true });
  assert.equal(destination({ name: 'json' }), 'stdout');
});

test('reporters: every mistake is named, with the valid reporters', () => {
  assert.match(rejection('table,pdf,htlm'), /unknown reporter "pdf".*; unknown reporter "htlm"; did you mean "html"\?.*Reporters: table, json, markdown, junit, github, html/);
  assert.match(rejection('table,table'), /"table" is listed twice/);
  assert.match(rejection('junit:'), /give a file after the colon, or - for stdout/);
  assert.match(rejection('github:out.md'), /github reporter .* takes no destination/);
  assert.match(rejection(','), /no reporter given/);
});

test('reporters: JSON on stdout must be alone there', () => {
  assert.throws(() => checkStdout(parseReporters('json,table')), (err: unknown) => err instanceof InputError && /json and table would both write to stdout/.test(err.message));
  assert.doesNotThrow(() => checkStdout(parseReporters('json,table:table.txt,html')));
  assert.doesNotThrow(() => checkStdout(parseReporters('table,markdown:-')));
});
