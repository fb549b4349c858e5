import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { scenarioSchema, type Scenario } from './scenario.js';
import { describeIssues, shown, type Problem } from './scenario-issues.js';

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

const NO_LINES = (): number => 0;

function lineFinder(document: Document, lines: LineCounter): (path: readonly PropertyKey[]) => number {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return 0;
  };
}

/** The key an error at `offset` points at, as written (quotes removed). */
function keyAt(text: string, offset: number): string {
  const written = /^[^:\n]*/.exec(text.slice(offset))?.[0] ?? '';
  return written.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** yaml's messages for a few cases, in a scenario's words. */
function yamlMessage(error: YAMLError, text: string): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'a scenario file holds one YAML document; remove the second "---"';
    case 'DUPLICATE_KEY':
      return `key "${keyAt(text, error.pos[0])}" is given twice; give each key once`;
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed as indentation in YAML; indent with spaces';
    default:
      return error.message;
  }
}

async function readText(path: string): Promise<{ text: string } | { problem: Problem }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `no such file (resolved to ${resolve(path)})`
      : code === 'EISDIR' ? 'is a directory; give a scenario file (.yaml, .yml or .json)'
      : code === 'EACCES' ? 'permission denied'
      : `cannot read the file (${code ?? (err as Error).message})`;
    return { problem: { where: '', message } };
  }
}

/** A YAML mapping (a JSON object): not null, not a list. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `path` as YAML (JSON is YAML too) and checks it against the scenario schema, collecting every problem. */
export async function readScenarioFile(path: string): Promise<ScenarioFile> {
  const read = await readText(path);
  if ('problem' in read) return { problems: [read.problem], lineOf: NO_LINES };

  const lines = new LineCounter();
  const document = parseDocument(read.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // warnings too: an unknown tag (`!foo`) is a mistake in a file that uses none
  const syntax = [...document.errors, ...document.warnings].map((error): Problem => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { where: `line ${line}, column ${col}`, message: yamlMessage(error, read.text) };
  });
  if (syntax.length > 0) return { problems: syntax, lineOf: NO_LINES };
  if (document.contents === null) return { problems: [{ where: '', message: 'the file is empty; a scenario needs at least "name" and "description" (see docs/scenarios.md)' }], lineOf: NO_LINES };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias bombs (an alias expanding to too many nodes) here
    return { problems: [{ where: '', message: `cannot expand the YAML: ${(err as Error).message}` }], lineOf: NO_LINES };
  }
  const lineOf = lineFinder(document, lines);
  if (!isMapping(data)) {
    return { problems: [{ where: '', message: `expected a mapping of keys (name: ..., description: ..., turns: ...) at the top level, got ${shown(data)}` }], data, lineOf };
  }
  const parsed = scenarioSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { problems: describeIssues(parsed.error.issues, scenarioSchema), data, lineOf };
  return { problems: [], data, scenario: parsed.data, lineOf };
}
