import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { shown, type Problem } from './issues.js';

/** How messages about one kind of input file word it. */
export interface InputFileKind {
  /** What the file is, as in "a scenario file": `scenario`, `provider config`. */
  name: string;
  /** The problem when the file holds no document; undefined reads an empty file as an empty mapping. */
  whenEmpty?: string;
  /** A few of its top-level keys as they are written, for "expected a mapping of keys (…)": `name: ..., turns: ...`. */
  topLevelKeys: string;
}

/** A YAML (or JSON) file read, parsed and known to hold a mapping; no schema applied yet. */
export interface InputFile {
  /** Problems that stop the file being read as a mapping; empty when `data` is one. */
  problems: Problem[];
  /** The parsed document when it parsed, mapping or not. */
  data?: unknown;
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

/** yaml's messages for a few cases, in plain words. */
function yamlMessage(error: YAMLError, text: string, kind: InputFileKind): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return `a ${kind.name} file holds one YAML document; remove the second "---"`;
    case 'DUPLICATE_KEY':
      return `key "${keyAt(text, error.pos[0])}" is given twice; give each key once`;
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed as indentation in YAML; indent with spaces';
    default:
      return error.message;
  }
}

async function readText(path: string, kind: InputFileKind): Promise<{ text: string } | { problem: Problem }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `no such file (resolved to ${resolve(path)})`
      : code === 'EISDIR' ? `is a directory; give a ${kind.name} file (.yaml, .yml or .json)`
      : code === 'EACCES' ? 'permission denied'
      : `cannot read the file (${code ?? (err as Error).message})`;
    return { problem: { where: '', message } };
  }
}

/** A YAML mapping (a JSON object): not null, not a list. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `path` as YAML (JSON is YAML too), collecting every syntax problem; `data` is a mapping exactly when `problems` is empty. */
export async function readYamlFile(path: string, kind: InputFileKind): Promise<InputFile> {
  const read = await readText(path, kind);
  if ('problem' in read) return { problems: [read.problem], lineOf: NO_LINES };

  const lines = new LineCounter();
  const document = parseDocument(read.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // warnings too: an unknown tag (`!foo`) is a mistake in a file that uses none
  const syntax = [...document.errors, ...document.warnings].map((error): Problem => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { where: `line ${line}, column ${col}`, message: yamlMessage(error, read.text, kind) };
  });
  if (syntax.length > 0) return { problems: syntax, lineOf: NO_LINES };
  if (document.contents === null) {
    return kind.whenEmpty === undefined ? { problems: [], data: {}, lineOf: NO_LINES } : { problems: [{ where: '', message: kind.whenEmpty }], lineOf: NO_LINES };
  }

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias bombs (an alias expanding to too many nodes) here
    return { problems: [{ where: '', message: `cannot expand the YAML: ${(err as Error).message}` }], lineOf: NO_LINES };
  }
  const lineOf = lineFinder(document, lines);
  if (!isMapping(data)) {
    return { problems: [{ where: '', message: `expected a mapping of keys (${kind.topLevelKeys}) at the top level, got ${shown(data)}` }], data, lineOf };
  }
  return { problems: [], data, lineOf };
}

/** Problems in the order the file reads, top to bottom; a stable sort keeps problems on one line in the order given. */
export function inFileOrder(problems: readonly Problem[], lineOf: (path: readonly PropertyKey[]) => number): Problem[] {
  return problems
    .map((problem) => ({ problem, line: problem.path ? lineOf(problem.path) : 0 }))
    .sort((a, b) => a.line - b.line)
    .map(({ problem }) => problem);
}
