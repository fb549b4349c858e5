// Writes schemas/scenario.schema.json from the zod schema (src/scenarios/scenario.ts).
// A test fails when the committed file differs from what this writes: run `npm run schema`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_JSON_SCHEMA_PATH, scenarioJsonSchemaText } from '../src/scenarios/scenario-json-schema.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', SCENARIO_JSON_SCHEMA_PATH);
await mkdir(dirname(path), { recursive: true });
await writeFile(path, scenarioJsonSchemaText());
process.stdout.write(`wrote ${SCENARIO_JSON_SCHEMA_PATH}\n`);
