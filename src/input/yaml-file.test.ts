// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inFileOrder, readYamlFile, type InputFileKind } from './yaml-file.js';

const KIND: InputFileKind = { name: 'test', topLevelKeys: 'a: ..., b: ...' };

async function file(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'voicebench-yaml-')), 'f.yaml');
  await writeFile(path, text);
  return path;
}

test('an empty file is an empty mapping unless the kind says what it needs', async () => {
  assert.deepEqual((await readYamlFile(await file('# only a comment\n'), KIND)).data, {});
  const strict = await readYamlFile(await file(''), { ...KIND, whenEmpty: 'the file is empty; give "a"' });
  assert.deepEqual(strict.problems, [{ where: '', message: 'the file is empty; give "a"' }]);
});

test('the kind names itself in messages', async () => {
  const read = await readYamlFile(await file('a: 1\n---\nb: 2\n'), KIND);
  assert.equal(read.problems[0]?.message, 'a test file holds one YAML document; remove the second "---"');
  assert.equal((await readYamlFile(await file('- a\n'), KIND)).problems[0]?.message, 'expected a mapping of keys (a: ..., b: ...) at the top level, got a list');
});

test('problems are put in the order of the file; those without a path come first', async () => {
  const read = await readYamlFile(await file('a: 1\nb:\n  c: 2\n'), KIND);
  const ordered = inFileOrder(
    [
      { where: 'b.c', message: 'third', path: ['b', 'c'] },
      { where: 'a', message: 'second', path: ['a'] },
      { where: '', message: 'first' },
    ],
    read.lineOf,
  );
  assert.deepEqual(ordered.map((problem) => problem.message), ['first', 'second', 'third']);
});
