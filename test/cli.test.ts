// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../src/audio/wav-encode.js';
import { DEFAULT_CORPUS_DIR } from '../src/scenarios/corpus.js';
import { runCli } from '../src/cli/program.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'src', 'cli', 'main.ts')];

function voicebench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertUsageError(result: ReturnType<typeof voicebench>, ...fragments: string[]): void {
  assert.equal(result.status, 2, `exit code; stderr: ${result.stderr}`);
  for (const fragment of fragments) assert.ok(result.stderr.includes(fragment), `stderr should mention "${fragment}": ${result.stderr}`);
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(result.stderr), `no stack trace: ${result.stderr}`);
}

async function corpusDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'voicebench-corpus-'));
}

/** A corpus of committed utterances (WAV + sidecar). */
async function corpusOf(...ids: string[]): Promise<string> {
  const dir = await corpusDir();
  for (const id of ids) for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, id + ext), join(dir, id + ext));
  return dir;
}

test('--version and --help', () => {
  const version = voicebench('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const help = voicebench('run', '--help');
  assert.equal(help.status, 0);
  for (const option of ['--network', '--transport', '--chunking', '--phrase-words', '--codec', '--jitter-buffer', '--corpus', '--profile', '--turns', '--seed', '--out', '--quiet', '--silence-timeout']) assert.ok(help.stdout.includes(option), option);
});

/** The CLI in this process (argv parsing and the exit-code mapping of src/cli/program.ts), stderr captured: no 2 s process start per case. */
async function inProcess(...args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { status: await runCli(['node', 'voicebench', ...args]), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('bad options exit 2 and say what is valid', async () => {
  // end to end once, through the real entry point and its process exit code
  assertUsageError(voicebench('run', '--turns', '0'), '--turns', 'whole number');
  const cases: Array<[string[], ...string[]]> = [
    [['run', '--transport', 'carrier-pigeon'], 'carrier-pigeon', 'rest'],
    [['run', '--profile', 'fastest'], 'fastest', 'constant', 'seed-article', 'typical'],
    [['run', '--seed', '-4'], '--seed'],
    [['run', '--silence-timeout', 'soon'], 'soon'],
    [['fly'], 'fly'],
    [['run', '--transport', 'rest,carrier-pigeon'], 'carrier-pigeon', 'rest, ws, webrtc'],
    [['run', '--codec', 'g729'], 'g729', 'opus', 'pcmu'],
    [['run', '--transport', 'rest,ws', '--codec', 'pcmu'], '--codec', 'webrtc transport only', '--transport rest,ws,webrtc'],
    [['run', '--jitter-buffer', 'deep'], '--jitter-buffer', '0 to 1000'],
    [['run', '--chunking', 'word'], 'word', 'full', 'sentence', 'phrase'],
    [['run', '--phrase-words', '0'], '--phrase-words', 'whole number'],
    [['run', '--transport', 'rest', '--chunking', 'sentence'], 'REST', 'always', '--transport rest,ws'],
    [['run', '--network', 'delay=40ms,loss=90%,wobble=3'], '--network', 'loss=90%', 'unknown key "wobble"', 'hint:', 'lossy-wifi'],
    [['run', '--reporter', 'table,pdf'], 'unknown reporter "pdf"', 'Reporters: table, json, markdown, junit, github, html'],
    [['run', '--reporter', 'json,table'], 'json and table would both write to stdout'],
    [['compare', 'a.json'], "missing required argument 'results'"],
    [['compare', 'a.json', 'b.json', '--fail-on-regression', 'lots'], '--fail-on-regression', 'percentage'],
    [['compare', 'a.json', 'b.json', '--regression-spans', 'v2v,sst'], '"sst": did you mean "stt"?'],
    [['merge', 'a.json', 'b.json'], "required option '-o, --output <file>'"],
    [['report', 'nowhere/result.json'], 'nowhere/result.json', 'no such file'],
  ];
  for (const [args, ...fragments] of cases) {
    const result = await inProcess(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: exit code; stderr: ${result.stderr}`);
    for (const fragment of fragments) assert.ok(result.stderr.includes(fragment), `${args.join(' ')}: stderr should mention "${fragment}": ${result.stderr}`);
    assert.ok(!/\n\s+at .+:\d+:\d+/.test(result.stderr), `no stack trace: ${result.stderr}`);
  }
});

test('a missing or empty corpus exits 2 naming it', async () => {
  assertUsageError(voicebench('run', '--corpus', '/no/such/dir'), '/no/such/dir', 'no such directory');
  const empty = await corpusDir();
  assertUsageError(voicebench('run', '--corpus', empty), empty, 'no .wav files');
});

test('run --scenario with an invalid file exits 2 before any run, listing every problem with its path; nothing is written', async () => {
  const dir = await corpusDir();
  const file = join(dir, 'bad.yaml');
  await writeFile(file, ['name: bad', 'description: two mistakes', 'turns:', '  - utterance: table-booking', '    bargeIn:', '      utterance: ../nowhere/hold-on.wav', '      afterBotAudioMs: soon', '  - utterance: yes', '    pausebeforeMs: 10', ''].join('\n'));
  const out = join(dir, 'out');
  assertUsageError(
    voicebench('run', '--scenario', file, '--out', out),
    `${file}: turns[0].bargeIn.afterBotAudioMs: expected a number ≥ 0`,
    'got "soon"',
    'turns[0].bargeIn.utterance: no such file ../nowhere/hold-on.wav',
    'turns[1]: unknown key "pausebeforeMs"; did you mean "pauseBeforeMs"?',
  );
  await assert.rejects(readFile(join(out, 'result.json')), 'no results for a run that never started');
});

test('a bad WAV in the corpus exits 2 naming the file and the problem, as the corpus\'s problem, not the scenario\'s', async () => {
  const dir = await corpusDir();
  await writeFile(join(dir, 'song.wav'), 'ID3\u0003 this is an mp3 really');
  const result = voicebench('run', '--corpus', dir);
  assertUsageError(result, 'song.wav', 'MP3', 'hint:');
  assert.ok(result.stderr.startsWith(`voicebench: ${join(dir, 'song.wav')}: not a RIFF/WAVE file`), result.stderr);
  assert.match(result.stderr, /hint: voicebench reads PCM WAV; convert with: ffmpeg/);
  assert.doesNotMatch(result.stderr, /quickstart\.yaml|scenario format/, 'no built-in scenario path and no scenario hint');
});

test('a WAV without speech and without a sidecar exits 2: no speech found', async () => {
  const dir = await corpusDir();
  await writeFile(join(dir, 'hiss.wav'), encodeWav(new Int16Array(32_000)));
  assertUsageError(voicebench('run', '--corpus', dir), 'hiss.wav', 'no speech found');
});

test('an invalid sidecar exits 2 listing every bad field with its path', async () => {
  const dir = await corpusDir();
  await copyFile(join(DEFAULT_CORPUS_DIR, 'yes.wav'), join(dir, 'yes.wav'));
  await writeFile(join(dir, 'yes.json'), JSON.stringify({ transcript: 7, speechStartMs: 'soon', speechEndMs: 700 }));
  assertUsageError(voicebench('run', '--corpus', dir), 'yes.json', 'transcript', 'speechStartMs');
});

test('run --corpus with a WAV that has no sidecar: speech bounds from the VAD, table and files written', async () => {
  const dir = await corpusDir();
  await copyFile(join(DEFAULT_CORPUS_DIR, 'table-booking.wav'), join(dir, 'booking.wav'));
  const out = await mkdtemp(join(tmpdir(), 'voicebench-out-'));
  const result = voicebench('run', '--corpus', dir, '--turns', '1', '--profile', 'constant', '--out', out);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /v2v/);
  assert.match(result.stdout, /rest median turn \(turn 0, booking\)/);
  assert.equal(result.stderr, '', 'no progress output when stderr is not a terminal');
  const lines = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 1);
  const turn = JSON.parse(lines[0] ?? '{}') as { utterance: string; spans: { v2v?: number } };
  assert.equal(turn.utterance, 'booking');
  assert.ok((turn.spans.v2v ?? 0) > 0);
  const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { complete: boolean; transports: { rest?: { turns: number } } };
  assert.equal(saved.complete, true);
  assert.equal(saved.transports.rest?.turns, 1);
});

test('run --transport rest,ws: both transports on the same turns, side by side', async () => {
  const out = await mkdtemp(join(tmpdir(), 'voicebench-out-'));
  const result = voicebench('run', '--transport', 'rest,ws', '--corpus', await corpusOf('yes'), '--turns', '1', '--profile', 'seed-article', '--seed', '5', '--out', out, '--gate', 'p95(v2v) < 60s');
  assert.equal(result.status, 0, `every gate held: exit 0; ${result.stderr}`);
  assert.match(result.stdout, /gates: all 2 gate checks held/, 'the gate is checked on each transport');
  assert.match(result.stdout, /rest \(full\)\s+│\s+ws \(sentence\)/, 'a column group per transport');
  assert.match(result.stdout, /mean critical path \(ms\)\s+│\s+rest\s+│\s+ws\s+│\s+ws − rest/, 'the waterfall compares the transports');
  type Spans = Record<'v2v' | 'llm.ttft' | 'tts.ttfb', number | undefined>;
  const turns = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { transport: string; utterance: string; spans: Spans });
  assert.deepEqual(turns.map((turn) => [turn.transport, turn.utterance]), [['rest', 'yes'], ['ws', 'yes']]);
  for (const turn of turns) assert.ok((turn.spans.v2v ?? 0) > 0, `${turn.transport} measured v2v`);
  // the same seed gives the same turn the same sampled provider latencies on both transports: equal up
  // to this host's timer jitter (one turn, so one late wake-up of a few ms can land in it; another
  // seed moves these spans by tens to hundreds of ms, as the determinism test checks)
  const [rest, ws] = turns;
  for (const span of ['llm.ttft', 'tts.ttfb'] as const) {
    assert.ok(Math.abs((rest?.spans[span] ?? NaN) - (ws?.spans[span] ?? NaN)) <= 10, `${span}: rest ${rest?.spans[span]} ms, ws ${ws?.spans[span]} ms`);
  }
  const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { config: { chunking: Record<string, string> } };
  assert.deepEqual(saved.config.chunking, { rest: 'full', ws: 'sentence' });
});
