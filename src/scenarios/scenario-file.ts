import { scenarioSchema, type Scenario } from './scenario.js';
import { describeIssues, type Problem } from '../input/issues.js';
import { readYamlFile, type InputFileKind } from '../input/yaml-file.js';

/** A scenario file read and checked against the schema; utterances are not resolved yet. */
export interface ScenarioFile {
  /** Empty when the file is a valid scenario. */
  problems: Problem[];
  /** The parsed document when it parsed as YAML (or JSON), valid or not: utterances can be checked even when other keys are wrong. */
  data?: unknown;
  /** Set when `problems` is empty. */
  scenario?: Scenario;
  /** The line of the value at a key path (or of its nearest parent that exists), for ordering problems; 0 when unknown. */
  lineOf: (path: readonly PropertyKey[]) => number;
}

const SCENARIO_FILE: InputFileKind = {
  name: 'scenario',
  whenEmpty: 'the file is empty; a scenario needs at least "name" and "description" (see docs/scenarios.md)',
  topLevelKeys: 'name: ..., description: ..., turns: ...',
};

/** Reads `path` as YAML (or JSON) and checks it against the scenario schema, collecting every problem. */
export async function readScenarioFile(path: string): Promise<ScenarioFile> {
  const read = await readYamlFile(path, SCENARIO_FILE);
  if (read.problems.length > 0) return read;
  const parsed = scenarioSchema.safeParse(read.data, { reportInput: true });
  if (!parsed.success) return { ...read, problems: describeIssues(parsed.error.issues, scenarioSchema) };
  return { ...read, scenario: parsed.data };
}
