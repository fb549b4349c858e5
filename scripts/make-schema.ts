// Writes schemas/scenario.schema.json and schemas/result.schema.json from their zod schemas
// (src/scenarios/scenario.ts, src/report/result-schema.ts). A test fails when a committed file
// differs from what this writes: run `npm run schema`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_JSON_SCHEMA_PATH, scenarioJsonSchemaText } from '../src/scenarios/scenario-json-schema.js';
import { RESULT_JSON_SCHEMA_PATH, resultJsonSchemaText } from '../src/report/result-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [relativePath, text] of [
  [SCENARIO_JSON_SCHEMA_PATH, scenarioJsonSchemaText()],
  [RESULT_JSON_SCHEMA_PATH, resultJsonSchemaText()],
] as const) {
  const path = join(root, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  process.stdout.write(`wrote ${relativePath}\n`);
}
