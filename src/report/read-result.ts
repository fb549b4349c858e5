/**
 * Reading a saved result.json back (`report`, `compare`, `merge`): checked like every other
 * input, every problem listed as `<file>: <path>: <message>`, in the order the file reads.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { describeIssues, formatPath, formatProblem, shown, type Problem } from '../input/issues.js';
import { isMapping } from '../input/yaml-file.js';
import { decodeHistogram } from '../metrics/recorder.js';
import { TOOL_VERSION } from '../version.js';
import { SCHEMA_VERSION, type RunResult } from './result.js';
import { runResultSchema } from './result-schema.js';

const WHAT_IS_READ = 'report, compare and merge read the result.json that `voicebench run` writes in its --out directory';
const FORMAT_HINT = `${WHAT_IS_READ}, as written; schemas/result.schema.json describes the format`;

/** The file's text; a file that cannot be read is an InputError naming it. */
async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory`, { hint: `give the result file inside it: ${join(path, 'result.json')}`, cause: err });
    const message =
      code === 'ENOENT' ? `no such file (resolved to ${resolve(path)})`
      : code === 'EACCES' ? 'permission denied'
      : `cannot read the file (${code ?? (err as Error).message})`;
    throw new InputError(`${path}: ${message}`, { hint: WHAT_IS_READ, cause: err });
  }
}

/** `line 3, column 8` of a UTF-16 offset into `text`: what an editor's cursor shows. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - (before.lastIndexOf('\n') + 1) + 1}`;
}

function lowerFirst(sentence: string): string {
  return `${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`;
}

/**
 * Where and why JSON.parse refused `text`. V8 gives an offset for most errors; for an
 * unexpected word (`fast`, `tru`) it gives none, and yaml, reading the text as JSON, finds
 * the word itself.
 */
function syntaxProblem(err: SyntaxError, text: string): Problem {
  if (text.trim() === '') return { where: '', message: 'the file is empty' };
  const end = text.trimEnd().length;
  const endsTooSoon: Problem = { where: lineAndColumn(text, end), message: 'not valid JSON: the file ends too soon (was it cut short?)' };
  const atPosition = /\s+(?:in JSON\s+)?at position (\d+).*$/s.exec(err.message);
  if (atPosition !== null) {
    const offset = Number(atPosition[1]);
    if (offset >= end) return endsTooSoon;
    return { where: lineAndColumn(text, offset), message: `not valid JSON: ${lowerFirst(err.message.slice(0, atPosition.index))}` };
  }
  if (err.message.startsWith('Unexpected end of JSON input')) return endsTooSoon;
  const word = parseDocument(text, { schema: 'json', uniqueKeys: false, prettyErrors: false }).errors.find((error) => error.code === 'TAG_RESOLVE_FAILED');
  if (word) {
    const [start, wordEnd] = word.pos;
    return { where: lineAndColumn(text, start), message: `not valid JSON: unexpected ${shown(text.slice(start, wordEnd))} (a string needs double quotes; true, false and null are lowercase)` };
  }
  return { where: '', message: `not valid JSON: ${lowerFirst(err.message.replace(/, ".*" is not valid JSON$/s, ''))}` };
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new InputError(formatProblem(path, syntaxProblem(err, text)), { hint: `${WHAT_IS_READ}; a file edited by hand or cut short while copying does not parse`, cause: err });
  }
}

/** Refuses, in one message, a file of another schema version: its shape is not worth listing problem by problem. */
function checkVersion(data: Record<string, unknown>, path: string): void {
  const version = data['schemaVersion'];
  if (version === SCHEMA_VERSION) return;
  if (version === undefined) throw new InputError(`${path}: no schemaVersion: not a voicebench result.json`, { hint: WHAT_IS_READ });
  if (version === 1) {
    const scenario = isMapping(data['config']) && typeof data['config']['scenario'] === 'string' ? ` (it ran ${data['config']['scenario']})` : '';
    throw new InputError(`${path}: schemaVersion 1: written by voicebench before 0.2, which kept no per-turn samples; this voicebench reads schemaVersion ${SCHEMA_VERSION}`, {
      hint: `re-run it with this version of voicebench${scenario} to report, compare or merge it`,
    });
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    const tool = isMapping(data['tool']) && typeof data['tool']['version'] === 'string' ? ` (${data['tool']['version']})` : '';
    throw new InputError(`${path}: schemaVersion ${version}: written by a newer voicebench${tool}; this one (${TOOL_VERSION}) reads schemaVersion ${SCHEMA_VERSION}`, {
      hint: 'upgrade voicebench to read it',
    });
  }
  throw new InputError(`${path}: schemaVersion: expected ${SCHEMA_VERSION}, got ${shown(version)}`, { hint: WHAT_IS_READ });
}

/** `data[key]` when it is a mapping, else an empty one: the checks below read what is there and leave the rest to the schema. */
function mappingAt(data: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = data[key];
  return isMapping(value) ? value : {};
}

/** An HDR histogram that decodes and holds `count` samples. */
function histogramProblems(summary: unknown, path: PropertyKey[]): Problem[] {
  if (!isMapping(summary) || typeof summary['hdr'] !== 'string') return [];
  let samples: number;
  try {
    samples = decodeHistogram(summary['hdr']).totalCount;
  } catch (err) {
    const hdrPath = [...path, 'hdr'];
    return [{ where: formatPath(hdrPath), message: `not a valid HDR histogram (base64 compressed V2): ${err instanceof Error ? err.message : String(err)}`, path: hdrPath }];
  }
  const count = summary['count'];
  if (typeof count !== 'number' || count === samples) return [];
  const countPath = [...path, 'count'];
  return [{ where: formatPath(countPath), message: `is ${count}, but the histogram (hdr) holds ${samples} samples`, path: countPath }];
}

/**
 * What the schema cannot check: turns and results only of the columns (transports and
 * targets) the run measured, and histograms that decode to their counts. Reads the data as it is, so these are
 * listed alongside the schema's problems.
 */
function consistencyProblems(data: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const config = mappingAt(data, 'config');
  const configured = config['transports'];
  const targets = Array.isArray(config['targets']) ? config['targets'] : [];
  const targetNames = targets.map((target: unknown) => (isMapping(target) ? target['name'] : undefined));
  const named = Array.isArray(configured) && configured.every((name) => typeof name === 'string') && targetNames.every((name) => typeof name === 'string');
  // a config this version cannot read is the schema's problem
  const measured = named ? [...(configured as string[]), ...(targetNames as string[])] : undefined;
  const among = (name: string): boolean => measured === undefined || measured.includes(name);
  const listed = `config.transports and config.targets (${measured?.join(', ') ?? ''})`;
  const turns = data['turns'];
  if (Array.isArray(turns)) {
    turns.forEach((turn: unknown, index) => {
      if (!isMapping(turn) || typeof turn['transport'] !== 'string' || among(turn['transport'])) return;
      const path = ['turns', index, 'transport'];
      problems.push({ where: formatPath(path), message: `${shown(turn['transport'])} is not among ${listed}`, path });
    });
  }
  for (const [name, transport] of Object.entries(mappingAt(data, 'transports'))) {
    if (!among(name)) problems.push({ where: formatPath(['transports', name]), message: `results for "${name}", which is not among ${listed}`, path: ['transports', name] });
    if (!isMapping(transport)) continue;
    for (const [span, summary] of Object.entries(mappingAt(transport, 'spans'))) problems.push(...histogramProblems(summary, ['transports', name, 'spans', span]));
    const segments = mappingAt(mappingAt(transport, 'waterfall'), 'segments');
    for (const [segment, summary] of Object.entries(segments)) problems.push(...histogramProblems(summary, ['transports', name, 'waterfall', 'segments', segment]));
  }
  return problems;
}

/** Each key's place in its parent, for ordering problems as the file reads; a key the file lacks goes after its siblings. */
function placeOf(data: unknown, path: readonly PropertyKey[]): number[] {
  const place: number[] = [];
  let value = data;
  for (const key of path) {
    const index = Array.isArray(value) && typeof key === 'number' ? key : isMapping(value) && typeof key === 'string' ? Object.keys(value).indexOf(key) : -1;
    if (index < 0) return [...place, Number.POSITIVE_INFINITY];
    place.push(index);
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return place;
}

function inDocumentOrder(problems: readonly Problem[], data: unknown): Problem[] {
  const placed = problems.map((problem) => ({ problem, place: placeOf(data, problem.path ?? []) }));
  placed.sort((a, b) => {
    for (let depth = 0; depth < Math.min(a.place.length, b.place.length); depth++) {
      const difference = (a.place[depth] as number) - (b.place[depth] as number);
      if (difference !== 0 && !Number.isNaN(difference)) return difference;
    }
    return a.place.length - b.place.length;
  });
  return placed.map(({ problem }) => problem);
}

/**
 * Reads and checks a saved result. Throws InputError (exit 2) naming the file: when it cannot
 * be read, is not JSON (with the line and column), is of another schema version (one message
 * saying what to do), or else with every problem, one a line, `<file>: <path>: <message>`.
 * Keys a newer voicebench added within this schema version are dropped (result-schema.ts).
 */
export async function readResultFile(path: string): Promise<RunResult> {
  const text = await readText(path);
  const data = parseJson(text.replace(/^\uFEFF/, ''), path);
  if (!isMapping(data)) throw new InputError(`${path}: expected a JSON object (a voicebench result.json) at the top level, got ${shown(data)}`, { hint: WHAT_IS_READ });
  checkVersion(data, path);
  const parsed = runResultSchema.safeParse(data, { reportInput: true });
  const problems = [...(parsed.success ? [] : describeIssues(parsed.error.issues, runResultSchema)), ...consistencyProblems(data)];
  if (problems.length > 0 || !parsed.success) {
    throw new InputError(inDocumentOrder(problems, data).map((problem) => formatProblem(path, problem)).join('\n'), { hint: FORMAT_HINT });
  }
  return parsed.data;
}
