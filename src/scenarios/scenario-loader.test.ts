// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { listBuiltinScenarios } from './builtin.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from './corpus.js';
import { loadScenario, validateScenarioFile } from './scenario-loader.js';
import { displayPath } from './utterance-resolver.js';

const CORPUS = displayPath(DEFAULT_CORPUS_DIR);

/** Writes `text` as a scenario file in a fresh directory; returns its path. */
async function scenarioFile(text: string, name = 'scenario.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-scenario-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The problems of a scenario with the given body (name and description are added). */
async function problemsOf(body: string): Promise<{ file: string; problems: string[] }> {
  const file = await scenarioFile(`name: test\ndescription: a test\n${body}`);
  return { file, problems: await validateScenarioFile(file) };
}

test('every built-in loads, named as its file, with utterances resolved', async () => {
  const builtins = await listBuiltinScenarios();
  assert.deepEqual(builtins.map((builtin) => builtin.name), ['barge-in', 'drive-thru', 'lossy-network', 'noisy-backchannel', 'quickstart']);
  for (const builtin of builtins) {
    assert.ok(builtin.file.endsWith(`${builtin.name}.yaml`), builtin.file);
    assert.ok(builtin.description.length > 20, builtin.description);
    assert.deepEqual(await validateScenarioFile(builtin.file), []);
    const scenario = await loadScenario(builtin.name);
    assert.equal(scenario.source, `built-in ${builtin.name}`);
    assert.equal(scenario.description, builtin.description);
    for (const turn of scenario.turns) {
      assert.ok(turn.utterance.samples.length > 0);
      if (turn.bargeIn) assert.ok(turn.bargeIn.utterance.samples.length > 0);
    }
  }
});

test('barge-in: four turns over every transport, each interrupted by hold-on', async () => {
  const scenario = await loadScenario('barge-in');
  assert.deepEqual(scenario.settings, { transports: ['rest', 'ws', 'webrtc'], profile: 'constant', repeat: 1 });
  assert.deepEqual(scenario.turns.map((turn) => turn.utterance.id), ['table-booking', 'refund-request', 'password-reset', 'delivery-status']);
  assert.deepEqual(
    scenario.turns.map((turn) => ({ id: turn.bargeIn?.utterance.id, audioMs: turn.bargeIn?.afterBotAudioMs, words: turn.bargeIn?.afterBotWords, expect: turn.bargeIn?.expect })),
    [
      { id: 'hold-on', audioMs: 600, words: undefined, expect: 'interrupt' },
      { id: 'hold-on', audioMs: 900, words: undefined, expect: 'interrupt' },
      { id: 'hold-on', audioMs: 1200, words: undefined, expect: 'interrupt' },
      { id: 'hold-on', audioMs: undefined, words: 4, expect: 'interrupt' },
    ],
  );
  assert.equal(scenario.turns[0]?.bargeIn?.utterance.path, join(DEFAULT_CORPUS_DIR, 'interruptions', 'hold-on.wav'));
  assert.equal(scenario.turns[0]?.bargeIn?.utterance.transcript, 'Hold on, I have a question.');
  assert.ok(!('afterBotWords' in (scenario.turns[0]?.bargeIn ?? {})), 'only the given trigger is set');
});

test('noisy-backchannel expects the uh-huh to be tolerated and the hold-on to interrupt', async () => {
  const scenario = await loadScenario('noisy-backchannel');
  assert.deepEqual(
    scenario.turns.map((turn) => [turn.utterance.id, turn.bargeIn?.utterance.id, turn.bargeIn?.afterBotAudioMs, turn.bargeIn?.expect]),
    [
      ['table-booking', 'uh-huh', 700, 'continue'],
      ['delivery-status', 'hold-on', 800, 'interrupt'],
    ],
  );
});

test('quickstart plays the corpus: every utterance once, in name order', async () => {
  const scenario = await loadScenario('quickstart');
  const corpus = await loadCorpus(DEFAULT_CORPUS_DIR);
  assert.deepEqual(scenario.settings, { transports: ['rest'], profile: 'typical', repeat: 1 });
  assert.deepEqual(scenario.turns.map((turn) => turn.utterance.id), corpus.map((utterance) => utterance.id));
  assert.deepEqual(scenario.turns.map((turn) => turn.utterance.speechEndMs), corpus.map((utterance) => utterance.speechEndMs));
  for (const turn of scenario.turns) {
    assert.equal(turn.pauseBeforeMs, 0);
    assert.equal(turn.bargeIn, undefined);
  }
});

test('corpusDir (--corpus) replaces the scenario corpus', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-corpus-'));
  for (const id of ['yes', 'no-thanks']) for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, id + ext), join(dir, id + ext));
  const scenario = await loadScenario('quickstart', { corpusDir: dir });
  assert.deepEqual(scenario.turns.map((turn) => turn.utterance.id), ['no-thanks', 'yes']);
  assert.equal(scenario.settings.corpusDir, dir);
  const problems = await validateScenarioFile((await listBuiltinScenarios()).find((builtin) => builtin.name === 'barge-in')?.file ?? '', { corpusDir: dir });
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0] ?? '', /barge-in\.yaml: turns\[0\]\.utterance: no utterance "table-booking" in /);
});

test('every setting reaches ScenarioSettings; the corpus is relative to the scenario file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-scenario-'));
  await mkdir(join(dir, 'wavs'));
  for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, `yes${ext}`), join(dir, 'wavs', `yes${ext}`));
  const file = join(dir, 'all.yaml');
  await writeFile(
    file,
    [
      'name: all-keys',
      'description: every key',
      'corpus: wavs',
      'transports: [ws, webrtc]',
      'profile: seed-article',
      'seed: 7',
      'network: lossy-wifi',
      'chunking: phrase',
      'phraseWords: 3',
      'endpointing: { silenceTimeoutMs: 400, bargeInMinSpeechMs: 250 }',
      'repeat: 2',
      'gates: ["p95(v2v) < 1500ms", "rate(errors) < 1%"]',
      'turns:',
      '  - utterance: "yes"',
      '    pauseBeforeMs: 1500',
      '    bargeIn: { utterance: wavs/yes.wav, afterBotWords: 2, expect: continue }',
      '',
    ].join('\n'),
  );
  const scenario = await loadScenario(file);
  assert.equal(scenario.source, file);
  assert.deepEqual(scenario.settings, {
    corpusDir: join(dir, 'wavs'),
    transports: ['ws', 'webrtc'],
    profile: 'seed-article',
    seed: 7,
    network: 'lossy-wifi',
    chunking: 'phrase',
    phraseWords: 3,
    silenceTimeoutMs: 400,
    bargeInMinSpeechMs: 250,
    gates: ['p95(v2v) < 1500ms', 'rate(errors) < 1%'],
    repeat: 2,
  });
  assert.equal(scenario.turns[0]?.pauseBeforeMs, 1500);
  assert.deepEqual({ ...scenario.turns[0]?.bargeIn, utterance: scenario.turns[0]?.bargeIn?.utterance.id }, { utterance: 'yes', afterBotWords: 2, expect: 'continue' });
});

test('gates: each bad expression is a problem at its index, with what is wrong', async () => {
  const { file, problems } = await problemsOf('gates:\n  - p95(v2v) < 800ms\n  - mean(sst) < 1s\n  - rate(errors) < 0.01\n');
  assert.deepEqual(problems, [
    `${file}: gates[1]: "mean(sst) < 1s": unknown span "sst"; did you mean "stt"? Spans: v2v, endpointing, stt, llm.ttft, llm.first_phrase, tts.ttfb, uplink, downlink, playout, response.first_byte, silence_pad, bargein.detect, bargein.stop, bargein.leak, connect`,
    `${file}: gates[2]: "rate(errors) < 0.01": a rate's threshold is a percentage: write 0.01% at column 20 (found the end)`,
  ]);
});

test('a JSON scenario is accepted', async () => {
  const file = await scenarioFile(
    JSON.stringify({ name: 'json-one', description: 'JSON works too', transports: ['ws'], turns: [{ utterance: 'yes', bargeIn: { utterance: 'no-thanks', afterBotAudioMs: 300 } }] }, null, '\t'),
    'scenario.json',
  );
  const scenario = await loadScenario(file);
  assert.equal(scenario.name, 'json-one');
  assert.equal(scenario.turns[0]?.bargeIn?.utterance.id, 'no-thanks');
});

test('a string where a number goes', async () => {
  const { file, problems } = await problemsOf('turns:\n  - utterance: table-booking\n    pauseBeforeMs: later\n    bargeIn:\n      utterance: yes.wav\n      afterBotAudioMs: soon\n');
  assert.deepEqual(problems, [
    `${file}: turns[0].pauseBeforeMs: expected a number ≥ 0 and ≤ 60000, got "later"`,
    `${file}: turns[0].bargeIn.utterance: no such file yes.wav (resolved to ${resolve(file, '..', 'yes.wav')})`,
    `${file}: turns[0].bargeIn.afterBotAudioMs: expected a number ≥ 0, got "soon"`,
  ]);
});

test('an unknown key, with the key it was probably meant to be', async () => {
  const { file, problems } = await problemsOf('turns:\n  - utterance: yes\n    bargein: { utterance: no-thanks, afterBotWords: 2 }\nphrasewords: 3\nloud: true\n');
  assert.deepEqual(problems, [
    `${file}: turns[0]: unknown key "bargein"; did you mean "bargeIn"?`,
    `${file}: top level: unknown key "phrasewords"; did you mean "phraseWords"?`,
    `${file}: top level: unknown key "loud"; known keys: name, description, corpus, transports, profile, seed, network, chunking, phraseWords, endpointing, gates, repeat, turns`,
  ]);
});

test('a barge-in gives exactly one of afterBotAudioMs and afterBotWords', async () => {
  const both = await problemsOf('turns:\n  - utterance: yes\n    bargeIn: { utterance: no-thanks, afterBotAudioMs: 500, afterBotWords: 2 }\n');
  assert.deepEqual(both.problems, [`${both.file}: turns[0].bargeIn: give exactly one of afterBotAudioMs or afterBotWords`]);
  const neither = await problemsOf('turns:\n  - utterance: yes\n    bargeIn: { utterance: no-thanks, expect: continue }\n');
  assert.deepEqual(neither.problems, [`${neither.file}: turns[0].bargeIn: give exactly one of afterBotAudioMs or afterBotWords`]);
  const words = await problemsOf('turns:\n  - utterance: yes\n    bargeIn: { utterance: no-thanks, afterBotWords: 1.5 }\n');
  assert.deepEqual(words.problems, [`${words.file}: turns[0].bargeIn.afterBotWords: expected a whole number ≥ 1, got 1.5`]);
});

test('transports: unknown, repeated, or not a list', async () => {
  const bad = await problemsOf('transports: [rest, udp, rest]\n');
  assert.deepEqual(bad.problems, [
    `${bad.file}: transports[1]: expected one of rest, ws, webrtc, got "udp"`,
    `${bad.file}: transports[2]: "rest" is already listed; list each transport once`,
  ]);
  const scalar = await problemsOf('transports: ws\n');
  assert.deepEqual(scalar.problems, [`${scalar.file}: transports: expected a non-empty list of rest, ws, webrtc, got "ws"`]);
  const empty = await problemsOf('transports: []\n');
  assert.deepEqual(empty.problems, [`${empty.file}: transports: expected a non-empty list of rest, ws, webrtc, got an empty list`]);
});

test('network: a profile name or a spec, each problem named', async () => {
  const misspelt = await problemsOf('network: lossy-wfi\n');
  assert.equal(misspelt.problems.length, 1);
  assert.match(misspelt.problems[0] ?? '', /: network: unknown network profile "lossy-wfi"; did you mean "lossy-wifi"\?/);
  const spec = await problemsOf('network: "delay=40ms,loss=2%,burst=3"\n');
  assert.deepEqual(spec.problems, []);
  const bad = await problemsOf('network: "delay=soon,bandwidth=2mb"\n');
  assert.match(bad.problems[0] ?? '', /: network: delay=soon: expected a duration such as 40ms.*bandwidth=2mb: expected a rate/);
});

test('an utterance id not in the corpus, with the closest id', async () => {
  const { file, problems } = await problemsOf('turns:\n  - utterance: table-booking\n  - utterance: tabel-booking\n  - utterance: hello\n');
  assert.deepEqual(problems, [
    `${file}: turns[1].utterance: no utterance "tabel-booking" in ${CORPUS}; did you mean "table-booking"?`,
    `${file}: turns[2].utterance: no utterance "hello" in ${CORPUS}`,
  ]);
});

test('a path that leads nowhere, or to a directory, or to a bad WAV', async () => {
  const { file, problems } = await problemsOf('turns:\n  - utterance: ../audio/x.wav\n  - utterance: ./\n  - utterance: bad.wav\n');
  await writeFile(join(file, '..', 'bad.wav'), 'not a wav at all');
  const withBadWav = await validateScenarioFile(file);
  assert.equal(problems[0], `${file}: turns[0].utterance: no such file ../audio/x.wav (resolved to ${resolve(file, '..', '..', 'audio', 'x.wav')})`);
  assert.equal(problems[1], `${file}: turns[1].utterance: ./ is a directory, not a WAV file (resolved to ${resolve(file, '..')})`);
  assert.equal(withBadWav.length, 3);
  assert.ok(withBadWav[2]?.startsWith(`${file}: turns[2].utterance: ${resolve(file, '..', 'bad.wav')}: `), withBadWav[2]);
});

test('a YAML syntax error reports its line and column', async () => {
  const file = await scenarioFile('name: x\ndescription: y\nturns:\n  - utterance: yes\n   pauseBeforeMs: 3\n');
  assert.deepEqual(await validateScenarioFile(file), [`${file}: line 5, column 1: Sequence item without - indicator`]);
  const duplicate = await scenarioFile('name: x\ndescription: y\nname: z\n');
  assert.deepEqual(await validateScenarioFile(duplicate), [`${duplicate}: line 3, column 1: key "name" is given twice; give each key once`]);
});

test('several problems in one file are all reported, in the order of the file', async () => {
  const file = await scenarioFile(
    [
      'name: Bad Name',
      'transports: [rest, udp]',
      'seed: -1',
      'endpointing:',
      '  silenceTimeoutMs: 0',
      'turns:',
      '  - utterance: tabel-booking',
      '    bargeIn: { utterance: ../nowhere.wav, afterBotAudioMs: 800, afterBotWords: 3, expect: stop }',
      '  - pauseBeforeMs: 100',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await validateScenarioFile(file), [
    `${file}: name: expected a name of lowercase letters, digits and dashes, like "barge-in", got "Bad Name"`,
    // a missing key is placed at its parent: here the top level, which starts on line 1
    `${file}: top level: missing required key "description"`,
    `${file}: transports[1]: expected one of rest, ws, webrtc, got "udp"`,
    `${file}: seed: expected a whole number ≥ 0 and ≤ 4294967295, got -1`,
    `${file}: endpointing.silenceTimeoutMs: expected a number > 0 and ≤ 60000, got 0`,
    `${file}: turns[0].utterance: no utterance "tabel-booking" in ${CORPUS}; did you mean "table-booking"?`,
    `${file}: turns[0].bargeIn.expect: expected one of interrupt, continue, got "stop"`,
    `${file}: turns[0].bargeIn: give exactly one of afterBotAudioMs or afterBotWords`,
    `${file}: turns[0].bargeIn.utterance: no such file ../nowhere.wav (resolved to ${resolve(file, '..', '..', 'nowhere.wav')})`,
    `${file}: turns[1]: missing required key "utterance"`,
  ]);
});

test('an empty file, a list, a missing file and a directory each say so', async () => {
  const empty = await scenarioFile('# nothing yet\n');
  assert.deepEqual(await validateScenarioFile(empty), [`${empty}: the file is empty; a scenario needs at least "name" and "description" (see docs/scenarios.md)`]);
  const list = await scenarioFile('- name: x\n');
  assert.deepEqual(await validateScenarioFile(list), [`${list}: expected a mapping of keys (name: ..., description: ..., turns: ...) at the top level, got a list`]);
  const missing = join(tmpdir(), 'voicebench-no-such-scenario.yaml');
  assert.deepEqual(await validateScenarioFile(missing), [`${missing}: no such file (resolved to ${missing})`]);
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-scenario-'));
  assert.deepEqual(await validateScenarioFile(dir), [`${dir}: is a directory; give a scenario file (.yaml, .yml or .json)`]);
});

test('loadScenario throws one InputError listing every problem, with a hint', async () => {
  const { file } = await problemsOf('seed: soon\nturns: []\n');
  const error = await loadScenario(file).then(
    () => assert.fail('should throw'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof InputError);
  assert.deepEqual(error.message.split('\n'), [
    `${file}: seed: expected a whole number ≥ 0 and ≤ 4294967295, got "soon"`,
    `${file}: turns: expected a non-empty list of turns (leave turns out to play every corpus utterance once), got an empty list`,
  ]);
  assert.match(error.hint ?? '', /voicebench validate.*|docs\/scenarios\.md/);
});

test('an unknown built-in name suggests the closest and lists them all', async () => {
  await assert.rejects(loadScenario('bargein'), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.message, 'no built-in scenario or file "bargein"; did you mean "barge-in"?');
    assert.match(err.hint ?? '', /barge-in, drive-thru, lossy-network, noisy-backchannel, quickstart/);
    return true;
  });
});
