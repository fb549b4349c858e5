import { z } from 'zod';
import { scenarioSchema } from './scenario.js';

/** Where the generated schema is committed, relative to the repository root. */
export const SCENARIO_JSON_SCHEMA_PATH = 'schemas/scenario.schema.json';

/**
 * schemas/scenario.schema.json as it should read: the scenario schema as the file's author
 * writes it (defaults optional), in JSON Schema draft-07, which YAML and JSON editors support
 * widely. Cross-key rules zod checks in code are carried by `oneOf` / `uniqueItems` metadata.
 */
export function scenarioJsonSchemaText(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
