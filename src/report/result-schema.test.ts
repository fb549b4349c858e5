// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { readResultFile } from './read-result.js';
import { RESULT_JSON_SCHEMA_PATH, resultJsonSchemaText } from './result-schema.js';
import type { RunResult } from './result.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = ['barge-in', 'wifi'].map((name) => join(REPO_ROOT, 'test', 'fixtures', 'results', `${name}.json`));
const BARGE_IN = FIXTURES[0] as string;

test('the committed JSON Schema is what scripts/make-schema.ts writes (run `npm run schema` after changing result-schema.ts)', async () => {
  assert.equal(await readFile(join(REPO_ROOT, RESULT_JSON_SCHEMA_PATH), 'utf8'), resultJsonSchemaText());
});

test('the JSON Schema is titled, explains its fields and leaves objects open to keys a newer voicebench adds', () => {
  const schema = JSON.parse(resultJsonSchemaText()) as {
    title: string;
    description: string;
    required: string[];
    additionalProperties?: unknown;
    properties: Record<string, { description?: string }>;
    definitions: Record<string, { additionalProperties?: unknown; properties: Record<string, { description?: string }> }>;
  };
  assert.equal(schema.title, 'voicebench result');
  assert.match(schema.description, /result\.json/);
  assert.deepEqual(schema.required, ['schemaVersion', 'tool', 'startedAt', 'complete', 'config', 'host', 'spanTable', 'transports', 'turns']);
  assert.equal(schema.additionalProperties, undefined);
  assert.match(schema.properties['turns']?.description ?? '', /per-turn samples/);
  assert.match(schema.definitions['SpanSummary']?.properties['hdr']?.description ?? '', /HdrHistogram V2/);
  for (const [name, definition] of Object.entries(schema.definitions)) assert.equal(definition.additionalProperties, undefined, name);
});

/** A waterfall written before the `agent` and `silence_pad` segments existed: read back with them at 0. */
function withLaterSegments(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withLaterSegments);
  if (typeof data !== 'object' || data === null) return data;
  const entries = Object.entries(data).map(([key, value]) => [key, withLaterSegments(value)] as const);
  const mapping = Object.fromEntries(entries) as Record<string, unknown>;
  return 'endpointing' in mapping && 'other' in mapping && typeof mapping['other'] === 'number' ? { agent: 0, silence_pad: 0, ...mapping } : mapping;
}

for (const file of FIXTURES) {
  test(`a real result reads back whole: ${file.slice(REPO_ROOT.length + 1)}`, async () => {
    const result: RunResult = await readResultFile(file);
    // every key the writer wrote is in the schema: nothing was dropped; only the segments added since read as 0
    assert.deepEqual(result, withLaterSegments(JSON.parse(await readFile(file, 'utf8'))));
  });
}

type Path = readonly (string | number)[];

function parentOf(data: unknown, path: Path): Record<string | number, unknown> {
  let node = data;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  return node as Record<string | number, unknown>;
}

/** The value at `path` of parsed JSON. */
function get(data: unknown, path: Path): unknown {
  return parentOf(data, path)[path.at(-1) as string | number];
}

/** Sets the value at `path` of parsed JSON; undefined deletes the key. */
function put(data: unknown, path: Path, value: unknown): void {
  const parent = parentOf(data, path);
  const key = path.at(-1) as string | number;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
}

/** A copy of the barge-in fixture, changed, written to a temporary file; returns its path. */
async function brokenCopy(change: (result: unknown) => void): Promise<string> {
  const result: unknown = JSON.parse(await readFile(BARGE_IN, 'utf8'));
  change(result);
  return writeTemporary(`${JSON.stringify(result, null, 2)}\n`);
}

let temporaryDir: string | undefined;
async function writeTemporary(text: string): Promise<string> {
  temporaryDir ??= await mkdtemp(join(tmpdir(), 'voicebench-result-'));
  const path = join(temporaryDir, `${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, text);
  return path;
}
test.after(async () => {
  if (temporaryDir !== undefined) await rm(temporaryDir, { recursive: true, force: true });
});

/** The InputError reading `path` throws (exit 2); fails when it reads. */
async function readError(path: string): Promise<InputError> {
  try {
    await readResultFile(path);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err;
  }
  return assert.fail(`${path} read without an error`);
}

async function problemsOf(path: string): Promise<string[]> {
  return (await readError(path)).message.split('\n');
}

test('a wrong type deep inside is named by its path, with the value found', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['transports', 'ws', 'spans', 'v2v', 'p95'], 'fast');
  });
  assert.deepEqual(await problemsOf(path), [`${path}: transports.ws.spans.v2v.p95: expected a number, got "fast"`]);
});

test('a missing required key is named at its parent', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['config', 'seed'], undefined);
    put(result, ['turns', 3, 'marksMs'], undefined);
  });
  assert.deepEqual(await problemsOf(path), [`${path}: config: missing required key "seed"`, `${path}: turns[3]: missing required key "marksMs"`]);
});

test('a turn of a transport the run did not measure is a problem, as is an unknown transport', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['config', 'transports'], ['rest', 'ws']);
    put(result, ['turns', 0, 'transport'], 'sip');
  });
  const webrtcTurns = (JSON.parse(await readFile(BARGE_IN, 'utf8')) as RunResult).turns.flatMap((turn, index) => (turn.transport === 'webrtc' ? [index] : []));
  assert.ok(webrtcTurns.length > 0);
  assert.deepEqual(await problemsOf(path), [
    `${path}: transports.webrtc: results for "webrtc", which is not among config.transports and config.targets (rest, ws)`,
    `${path}: turns[0].transport: "sip" is not among config.transports and config.targets (rest, ws)`,
    ...webrtcTurns.map((index) => `${path}: turns[${index}].transport: "webrtc" is not among config.transports and config.targets (rest, ws)`),
  ]);
});

test('a corrupted histogram, and a count its histogram does not hold, are problems', async () => {
  let samples = 0;
  const path = await brokenCopy((result) => {
    const hdr = ['transports', 'ws', 'spans', 'v2v', 'hdr'];
    put(result, hdr, (get(result, hdr) as string).slice(0, 20));
    const count = ['transports', 'rest', 'spans', 'stt', 'count'];
    samples = get(result, count) as number;
    put(result, count, samples + 1);
  });
  const problems = await problemsOf(path);
  assert.equal(problems.length, 2);
  assert.equal(problems[0], `${path}: transports.rest.spans.stt.count: is ${samples + 1}, but the histogram (hdr) holds ${samples} samples`);
  assert.match(problems[1] ?? '', /: transports\.ws\.spans\.v2v\.hdr: not a valid HDR histogram \(base64 compressed V2\): /);
  assert.ok(problems[1]?.startsWith(`${path}: `));
});

test('every problem is listed at once, in the order the file reads', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['turns', 5, 'spans', 'v2v'], null);
    put(result, ['complete'], 'yes');
    put(result, ['transports', 'webrtc', 'waterfall', 'segments', 'llm', 'hdr'], 'garbage');
  });
  const problems = (await problemsOf(path)).map((problem) => problem.slice(path.length + 2).replace(/\): .*$/, ')'));
  assert.deepEqual(problems, [
    'complete: expected true or false, got "yes"',
    'transports.webrtc.waterfall.segments.llm.hdr: not a valid HDR histogram (base64 compressed V2)',
    'turns[5].spans.v2v: expected a number, got an empty value',
  ]);
});

test('keys a newer voicebench added within schema version 2 are read past and dropped', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['energyJoules'], 12);
    put(result, ['turns', 0, 'jitterMs'], 3);
  });
  const result = await readResultFile(path);
  assert.equal('energyJoules' in result, false);
  assert.equal('jitterMs' in (result.turns[0] as object), false);
});

test('schemaVersion 1 is refused in one message that says to re-run', async () => {
  const path = await brokenCopy((result) => {
    put(result, ['schemaVersion'], 1);
    put(result, ['turns'], undefined);
    put(result, ['spanTable'], undefined);
  });
  const err = await readError(path);
  assert.equal(err.message, `${path}: schemaVersion 1: written by voicebench before 0.2, which kept no per-turn samples; this voicebench reads schemaVersion 2`);
  assert.match(err.hint ?? '', /^re-run it with this version of voicebench \(it ran built-in barge-in\)/);
});

test('a newer schemaVersion says to upgrade; a missing one says the file is not a result', async () => {
  const newer = await readError(await brokenCopy((result) => put(result, ['schemaVersion'], 3)));
  assert.match(newer.message, /: schemaVersion 3: written by a newer voicebench \(0\.1\.0\); this one \(.+\) reads schemaVersion 2$/);
  assert.match(newer.hint ?? '', /upgrade/);
  const path = await brokenCopy((result) => put(result, ['schemaVersion'], undefined));
  assert.equal((await readError(path)).message, `${path}: no schemaVersion: not a voicebench result.json`);
  const list = await writeTemporary('[1, 2]');
  assert.equal((await readError(list)).message, `${list}: expected a JSON object (a voicebench result.json) at the top level, got a list`);
});

test('invalid JSON is named by line and column', async () => {
  const cases: Array<[text: string, problem: string]> = [
    ['{\n  "schemaVersion": 2,\n  "complete": true,,\n}\n', 'line 3, column 20: not valid JSON: expected double-quoted property name'],
    ['{\n  "schemaVersion": 2,\n  "complete": yes\n}\n', 'line 3, column 15: not valid JSON: unexpected "yes" (a string needs double quotes; true, false and null are lowercase)'],
    ['{\n  "schemaVersion": 2,\n  "tool": {"name": "voi', 'line 3, column 24: not valid JSON: the file ends too soon (was it cut short?)'],
    ['{\n  "schemaVersion": 2,\n  "complete": true\n', 'line 3, column 19: not valid JSON: the file ends too soon (was it cut short?)'],
    ['{"schemaVersion": 2} }', 'line 1, column 22: not valid JSON: unexpected non-whitespace character after JSON'],
    ['\n', 'the file is empty'],
  ];
  for (const [text, problem] of cases) {
    const path = await writeTemporary(text);
    assert.equal((await readError(path)).message, `${path}: ${problem}`, text);
  }
  // in a real result: the line of the "complete" key
  const text = await readFile(BARGE_IN, 'utf8');
  const line = text.slice(0, text.indexOf('"complete": true')).split('\n').length;
  const path = await writeTemporary(text.replace('"complete": true', '"complete": True'));
  assert.match((await readError(path)).message, new RegExp(`: line ${line}, column 15: not valid JSON: unexpected "True"`));
});

test('a file that cannot be read is named, with a hint', async () => {
  const missing = join(tmpdir(), 'voicebench-no-such-dir', 'result.json');
  const err = await readError(missing);
  assert.match(err.message, /^.+voicebench-no-such-dir\/result\.json: no such file \(resolved to /);
  assert.match(err.hint ?? '', /voicebench run/);
  const dir = join(await mkdtemp(join(tmpdir(), 'voicebench-result-dir-')), 'run');
  await mkdir(dir);
  const isDir = await readError(dir);
  assert.equal(isDir.message, `${dir}: is a directory`);
  assert.equal(isDir.hint, `give the result file inside it: ${join(dir, 'result.json')}`);
  await rm(dirname(dir), { recursive: true });
});
