// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { applyProviderFlags, checkKeys, defaultProviderConfig, describeProviders, findProviderConfig, loadProviderConfig, openAiStage, type ProviderConfig } from './provider-config.js';

async function configFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-config-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The InputError's message lines, failing the test when `load` succeeds or throws anything else. */
async function problemsOf(file: string): Promise<string[]> {
  try {
    await loadProviderConfig(file);
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    assert.match(err.hint ?? '', /docs\/providers\.md/);
    return err.message.split('\n');
  }
  assert.fail(`${file} loaded, but should not have`);
}

const MIXED = `# STT from Groq, LLM from a local Ollama, TTS in process
stt: { provider: openai, baseUrl: https://api.groq.com/openai/v1, model: whisper-large-v3-turbo, apiKeyEnv: GROQ_API_KEY }
llm: { provider: openai, baseUrl: http://localhost:11434/v1, model: llama3.2, apiKeyEnv: OLLAMA_KEY, timeoutMs: 20000 }
tts: { provider: flite, voice: slt }
errorRate: { max: 0.25, minTurns: 4 }
`;

const MIXED_CONFIG: ProviderConfig = {
  stt: { provider: 'openai', baseUrl: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3-turbo', apiKeyEnv: 'GROQ_API_KEY', timeoutMs: 30_000, maxRetries: 2 },
  llm: { provider: 'openai', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2', apiKeyEnv: 'OLLAMA_KEY', timeoutMs: 20_000, maxRetries: 2 },
  tts: { provider: 'flite', voice: 'slt', timeoutMs: 30_000, maxRetries: 2 },
  errorRate: { max: 0.25, minTurns: 4 },
  targets: {},
};

test('the documented mixed pipeline loads, every applicable default filled in', async () => {
  assert.deepEqual(await loadProviderConfig(await configFile('voicebench.config.yaml', MIXED)), MIXED_CONFIG);
});

test('a JSON config reads the same as YAML', async () => {
  const json = JSON.stringify({ stt: MIXED_CONFIG.stt, llm: MIXED_CONFIG.llm, tts: { provider: 'flite', voice: 'slt' }, errorRate: MIXED_CONFIG.errorRate });
  assert.deepEqual(await loadProviderConfig(await configFile('voicebench.config.json', json)), MIXED_CONFIG);
});

test('stages left out stay sim; an openai stage gets the default model, voice and key variable', async () => {
  const config = await loadProviderConfig(await configFile('c.yaml', 'tts: { provider: openai, baseUrl: "http://127.0.0.1:8787/v1" }\n'));
  assert.deepEqual(config, {
    ...defaultProviderConfig(),
    tts: { provider: 'openai', baseUrl: 'http://127.0.0.1:8787/v1', model: 'tts-1', voice: 'alloy', apiKeyEnv: 'OPENAI_API_KEY', timeoutMs: 30_000, maxRetries: 2 },
  });
});

test('an empty file (or only comments) is every stage sim', async () => {
  assert.deepEqual(await loadProviderConfig(await configFile('c.yaml', '# nothing configured yet\n')), defaultProviderConfig());
  assert.deepEqual(defaultProviderConfig().errorRate, { max: 0.5, minTurns: 4 });
  assert.deepEqual(defaultProviderConfig().stt, { provider: 'sim', timeoutMs: 30_000, maxRetries: 2 });
});

test('every problem is listed with its path, in the order of the file, with did-you-mean', async () => {
  const file = await configFile(
    'c.yaml',
    [
      'stt: { provider: flite, model: x }',
      'llm:',
      '  provider: openai',
      '  timeoutMs: soon',
      '  maxRetries: 11',
      '  voice: alloy',
      'tts: { provdier: openai }',
      'errorRate: { max: 2, minTurns: 0, mx: 1 }',
      'sst: { provider: sim }',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await problemsOf(file), [
    `${file}: stt.provider: flite is a text-to-speech engine: it can run only the tts stage; stt can be sim or openai`,
    `${file}: stt.model: "model" applies only to provider openai; stt runs flite`,
    `${file}: llm: missing required key "baseUrl": provider openai needs the server, like https://api.openai.com/v1 or http://127.0.0.1:8787/v1 (voicebench serve)`,
    `${file}: llm.timeoutMs: expected a number > 0 and ≤ 600000, got "soon"`,
    `${file}: llm.maxRetries: expected a whole number ≥ 0 and ≤ 10, got 11`,
    `${file}: llm.voice: "voice" applies only to the tts stage`,
    `${file}: tts: missing required key "provider" (one of sim, openai, flite)`,
    `${file}: tts: unknown key "provdier"; did you mean "provider"?`,
    `${file}: errorRate.max: expected a share from 0 to 1 (0.25: a quarter of the turns), got 2`,
    `${file}: errorRate.minTurns: expected a whole number ≥ 1, got 0`,
    `${file}: errorRate: unknown key "mx"; did you mean "max"?`,
    `${file}: top level: unknown key "sst"; did you mean "stt"?`,
  ]);
});

test('a flite voice must be one flite has; sim has no voice; openai-only keys are refused elsewhere', async () => {
  const file = await configFile('c.yaml', 'tts: { provider: flite, voice: sltt, baseUrl: "http://x/v1", apiKeyEnv: K }\nstt: { provider: sim, voice: alloy }\n');
  assert.deepEqual(await problemsOf(file), [
    `${file}: tts.baseUrl: "baseUrl" applies only to provider openai; tts runs flite`,
    `${file}: tts.apiKeyEnv: "apiKeyEnv" applies only to provider openai; tts runs flite`,
    `${file}: tts.voice: expected a flite voice: kal, kal16, awb, rms, slt, got "sltt"; did you mean "slt"?`,
    `${file}: stt.voice: "voice" applies only to the tts stage`,
  ]);
});

test('baseUrl must be http(s) and carry no credentials; model and voice are non-empty', async () => {
  const file = await configFile(
    'c.yaml',
    'stt: { provider: openai, baseUrl: "ftp://host/v1" }\nllm: { provider: openai, baseUrl: "https://me:hunter2hunter2@host/v1", model: "" }\ntts: { provider: openai, baseUrl: "not a url", voice: "" }\n',
  );
  const problems = await problemsOf(file);
  assert.deepEqual(problems, [
    `${file}: stt.baseUrl: expected an http:// or https:// URL, like http://127.0.0.1:8787/v1, got "ftp://host/v1"`,
    `${file}: llm.model: expected a non-empty string, got ""`,
    `${file}: llm.baseUrl: the URL holds credentials (user:password@); API keys are read only from the environment: remove them and name the variable in "apiKeyEnv"`,
    `${file}: tts.voice: expected a non-empty string, got ""`,
    `${file}: tts.baseUrl: expected an http:// or https:// URL, like http://127.0.0.1:8787/v1, got "not a url"`,
  ]);
  assert.ok(!problems.join('\n').includes('hunter2'), 'the password is not shown');
});

test('a key in the file is an error pointing at apiKeyEnv, and its value is never shown', async () => {
  const secret = 'sk-proj-abcdefghijklmnop';
  const file = await configFile(
    'c.yaml',
    `apiKey: ${secret}\nstt: { provider: openai, baseUrl: "http://h/v1", api_key: ${secret}, accessToken: ${secret} }\nllm: { provider: openai, baseUrl: "http://h/v1", apiKeyEnv: ${secret} }\ntts: { provider: openai, baseUrl: "http://h/v1", apiKeyEnv: "$SPEECHES_KEY" }\n`,
  );
  const problems = await problemsOf(file);
  assert.deepEqual(problems, [
    `${file}: apiKey: API keys are read only from the environment, never from a file: remove "apiKey" and set "apiKeyEnv" in each openai stage (stt, llm, tts) to the NAME of the variable that holds the key (default OPENAI_API_KEY)`,
    `${file}: stt.api_key: API keys are read only from the environment, never from a file: remove "api_key" and set "apiKeyEnv" in stt to the NAME of the variable that holds the key (default OPENAI_API_KEY)`,
    `${file}: stt.accessToken: API keys are read only from the environment, never from a file: remove "accessToken" and set "apiKeyEnv" in stt to the NAME of the variable that holds the key (default OPENAI_API_KEY)`,
    `${file}: llm.apiKeyEnv: expected the name of an environment variable (capitals, digits and _, like GROQ_API_KEY), not the key itself; API keys are read only from the environment`,
    `${file}: tts.apiKeyEnv: write the variable's name without "$": SPEECHES_KEY`,
  ]);
  assert.ok(!problems.join('\n').includes('abcdefgh'), 'the key is not shown');
});

test('syntax errors, a non-mapping and a missing file are problems of the file', async () => {
  const tabs = await configFile('c.yaml', 'stt:\n\tprovider: sim\n');
  assert.match((await problemsOf(tabs))[0] ?? '', /c\.yaml: line 2, column 1: /);
  const twice = await configFile('c.yaml', 'stt: { provider: sim }\nstt: { provider: sim }\n');
  assert.deepEqual(await problemsOf(twice), [`${twice}: line 2, column 1: key "stt" is given twice; give each key once`]);
  const list = await configFile('c.json', '[1, 2]');
  assert.deepEqual(await problemsOf(list), [`${list}: expected a mapping of keys (stt: ..., llm: ..., tts: ..., errorRate: ..., targets: ...) at the top level, got a list`]);
  const missing = join(tmpdir(), 'voicebench-no-such-dir', 'voicebench.config.yaml');
  assert.deepEqual(await problemsOf(missing), [`${missing}: no such file (resolved to ${missing})`]);
});

test('findProviderConfig finds .yaml, .yml or .json, none, or refuses to guess between two', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-find-'));
  assert.equal(await findProviderConfig(dir), undefined);
  await mkdir(join(dir, 'voicebench.config.yaml'));
  assert.equal(await findProviderConfig(dir), undefined, 'a directory of that name is not a config');
  await writeFile(join(dir, 'voicebench.config.json'), '{}');
  assert.equal(await findProviderConfig(dir), join(dir, 'voicebench.config.json'));
  await writeFile(join(dir, 'voicebench.config.yml'), '');
  await assert.rejects(findProviderConfig(dir), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.message, `${join(dir, 'voicebench.config.yml')} and ${join(dir, 'voicebench.config.json')} are both provider configs; voicebench reads one`);
    assert.match(err.hint ?? '', /--config FILE/);
    return true;
  });
});

test('describeProviders: a line per stage, naming the key variable, never its value', () => {
  const config: ProviderConfig = {
    ...MIXED_CONFIG,
    llm: defaultProviderConfig().llm,
    tts: { provider: 'openai', baseUrl: 'http://127.0.0.1:8787/v1', model: 'tts-1', voice: 'alloy', apiKeyEnv: 'OPENAI_API_KEY' },
  };
  assert.equal(
    describeProviders(config, 'typical'),
    [
      'stt openai whisper-large-v3-turbo @ https://api.groq.com/openai/v1 (key $GROQ_API_KEY)',
      'llm sim (profile typical)',
      'tts openai tts-1 voice alloy @ http://127.0.0.1:8787/v1 (key $OPENAI_API_KEY)',
    ].join('\n'),
  );
  assert.equal(describeProviders(MIXED_CONFIG, 'fast').split('\n')[2], 'tts flite voice slt (offline, in process)');
});

/** The InputError `run` throws, failing the test otherwise. */
function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail('no error');
}

test('--provider openai --base-url makes every stage openai at that server; stages that were openai keep model and limits', () => {
  const merged = applyProviderFlags(MIXED_CONFIG, { provider: 'openai', baseUrl: 'http://127.0.0.1:8787/v1' });
  assert.deepEqual(merged, {
    stt: { ...MIXED_CONFIG.stt, baseUrl: 'http://127.0.0.1:8787/v1' },
    llm: { ...MIXED_CONFIG.llm, baseUrl: 'http://127.0.0.1:8787/v1' },
    tts: { provider: 'openai', baseUrl: 'http://127.0.0.1:8787/v1', model: 'tts-1', voice: 'alloy', apiKeyEnv: 'OPENAI_API_KEY', timeoutMs: 30_000, maxRetries: 2 },
    errorRate: MIXED_CONFIG.errorRate,
    targets: {},
  });
  assert.equal(MIXED_CONFIG.tts.provider, 'flite', 'the config passed in is not changed');
});

test('--provider openai alone goes to api.openai.com; --api-key-env names the variable for every stage', () => {
  const merged = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', apiKeyEnv: 'MY_KEY' });
  for (const stage of [merged.stt, merged.llm, merged.tts]) {
    assert.equal(stage.baseUrl, 'https://api.openai.com/v1');
    assert.equal(stage.apiKeyEnv, 'MY_KEY');
  }
  assert.deepEqual([merged.stt.model, merged.llm.model, merged.tts.model, merged.tts.voice], ['whisper-1', 'gpt-4o-mini', 'tts-1', 'alloy']);
});

test('--tts flite sets only the tts stage, after --provider', () => {
  const merged = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl: 'http://127.0.0.1:8787/v1', tts: 'flite' });
  assert.equal(merged.stt.provider, 'openai');
  assert.equal(merged.llm.provider, 'openai');
  assert.deepEqual(merged.tts, { provider: 'flite', voice: 'slt', timeoutMs: 30_000, maxRetries: 2 });
  const keepsVoice = applyProviderFlags({ ...MIXED_CONFIG, tts: { provider: 'flite', voice: 'awb' } }, { tts: 'flite' });
  assert.equal(keepsVoice.tts.voice, 'awb');
});

test('--provider sim makes every stage sim; no flags leave the config as it was', () => {
  const sim = applyProviderFlags(MIXED_CONFIG, { provider: 'sim' });
  assert.deepEqual(sim.stt, { provider: 'sim', timeoutMs: 30_000, maxRetries: 2 });
  assert.deepEqual(sim.llm, { provider: 'sim', timeoutMs: 20_000, maxRetries: 2 });
  assert.deepEqual(sim.tts, { provider: 'sim', timeoutMs: 30_000, maxRetries: 2 });
  assert.deepEqual(applyProviderFlags(MIXED_CONFIG, {}), MIXED_CONFIG);
});

test('without --provider, --base-url and --api-key-env apply to the stages that are openai, and need one', () => {
  const merged = applyProviderFlags(MIXED_CONFIG, { baseUrl: 'http://127.0.0.1:8787/v1' });
  assert.deepEqual([merged.stt.baseUrl, merged.llm.baseUrl, merged.tts.provider], ['http://127.0.0.1:8787/v1', 'http://127.0.0.1:8787/v1', 'flite']);
  const none = inputError(() => applyProviderFlags(defaultProviderConfig(), { baseUrl: 'http://127.0.0.1:8787/v1' }));
  assert.equal(none.message, '--base-url applies to openai stages, and the provider config has none');
  assert.match(none.hint ?? '', /--provider openai/);
  assert.equal(inputError(() => applyProviderFlags(MIXED_CONFIG, { provider: 'sim', baseUrl: 'http://h/v1', apiKeyEnv: 'K' })).message, '--base-url and --api-key-env apply to openai stages, and --provider sim runs none');
});

test('flags are checked like the file: an http(s) URL, a variable name (never echoed)', () => {
  assert.equal(inputError(() => applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl: 'localhost:8787' })).message, '--base-url: expected an http:// or https:// URL, like http://127.0.0.1:8787/v1, got "localhost:8787"');
  const pasted = inputError(() => applyProviderFlags(defaultProviderConfig(), { provider: 'openai', apiKeyEnv: 'sk-abcdefghijkl' }));
  assert.ok(pasted.message.startsWith('--api-key-env: expected the name of an environment variable'));
  assert.ok(!pasted.message.includes('sk-abc'));
});

test('checkKeys names each missing variable with its stages, and never a value', () => {
  const mixed: ProviderConfig = { ...MIXED_CONFIG, tts: { provider: 'openai', baseUrl: 'http://h/v1', apiKeyEnv: 'GROQ_API_KEY' } };
  assert.doesNotThrow(() => checkKeys(mixed, { GROQ_API_KEY: 'gsk-1', OLLAMA_KEY: 'x' }));
  assert.doesNotThrow(() => checkKeys(defaultProviderConfig(), {}), 'sim needs no key');
  const missing = inputError(() => checkKeys(mixed, { OLLAMA_KEY: '' }));
  assert.equal(missing.message, 'no API key in the environment: $GROQ_API_KEY (for stt and tts) and $OLLAMA_KEY (for llm) are not set');
  assert.match(missing.hint ?? '', /^export GROQ_API_KEY=\.\.\. OLLAMA_KEY=\.\.\. /);
  assert.match(missing.hint ?? '', /--api-key-env/);
  const all = applyProviderFlags(defaultProviderConfig(), { provider: 'openai' });
  assert.equal(inputError(() => checkKeys(all, { OTHER_KEY: 'sk-secretsecret' })).message, 'no API key in the environment: $OPENAI_API_KEY (for stt, llm and tts) is not set');
});

test('openAiStage: every setting present for a client', () => {
  assert.deepEqual(openAiStage('stt', MIXED_CONFIG.stt), { baseUrl: 'https://api.groq.com/openai/v1', model: 'whisper-large-v3-turbo', apiKeyEnv: 'GROQ_API_KEY', timeoutMs: 30_000, maxRetries: 2 });
  assert.deepEqual(openAiStage('tts', { provider: 'openai', baseUrl: 'http://h/v1' }), { baseUrl: 'http://h/v1', model: 'tts-1', apiKeyEnv: 'OPENAI_API_KEY', voice: 'alloy', timeoutMs: 30_000, maxRetries: 2 });
  assert.throws(() => openAiStage('tts', MIXED_CONFIG.tts), /tts runs flite, not openai/);
});
