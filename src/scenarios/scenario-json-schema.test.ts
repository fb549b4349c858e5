// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listBuiltinScenarios } from './builtin.js';
import { SCENARIO_JSON_SCHEMA_PATH, scenarioJsonSchemaText } from './scenario-json-schema.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCHEMA_FILE = join(REPO_ROOT, SCENARIO_JSON_SCHEMA_PATH);

test('the committed JSON Schema is what scripts/make-schema.ts writes (run `npm run schema` after changing scenario.ts)', async () => {
  assert.equal(await readFile(SCHEMA_FILE, 'utf8'), scenarioJsonSchemaText());
});

test('the JSON Schema is strict and carries the cross-key rules', () => {
  const schema = JSON.parse(scenarioJsonSchemaText()) as {
    required: string[];
    additionalProperties: boolean;
    properties: { transports: { uniqueItems?: boolean }; turns: { items: { properties: { bargeIn: { oneOf?: unknown[] } } } } };
  };
  assert.deepEqual(schema.required, ['name', 'description']);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.transports.uniqueItems, true);
  assert.deepEqual(schema.properties.turns.items.properties.bargeIn.oneOf, [{ required: ['afterBotAudioMs'] }, { required: ['afterBotWords'] }]);
});

test('each built-in points editors at the schema', async () => {
  for (const builtin of await listBuiltinScenarios()) {
    const firstLine = (await readFile(builtin.file, 'utf8')).split('\n')[0];
    assert.equal(firstLine, `# yaml-language-server: $schema=${relative(dirname(builtin.file), SCHEMA_FILE)}`, builtin.file);
  }
});
