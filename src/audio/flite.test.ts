// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { FLITE_VOICE_INFO, FLITE_VOICES, synthesizeSpeech, type FliteVoice } from './flite.js';
import { measureSpeechBounds } from './speech-bounds.js';
import { InputError } from '../errors.js';

const TEN_WORDS = 'I would like to book a table for two tonight.';

function rmsDbfs(samples: Int16Array): number {
  let sumOfSquares = 0;
  for (const sample of samples) sumOfSquares += sample * sample;
  return 20 * Math.log10(Math.sqrt(sumOfSquares / samples.length) / 32768);
}

function bytesOf(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

test('every listed voice speaks the sentence at its documented rate, 200–600 ms per word', async () => {
  const words = countWords(TEN_WORDS);
  for (const voice of FLITE_VOICES) {
    const { samples, sampleRateHz } = await synthesizeSpeech(TEN_WORDS, voice);
    assert.equal(sampleRateHz, FLITE_VOICE_INFO[voice].sampleRateHz, voice);
    const bounds = measureSpeechBounds(samples, sampleRateHz);
    assert.ok(bounds, `${voice}: no speech found`);
    const msPerWord = (bounds.speechEndMs - bounds.speechStartMs) / words;
    assert.ok(msPerWord >= 200 && msPerWord <= 600, `${voice}: ${msPerWord.toFixed(0)} ms per word`);
  }
});

test('the output is speech, not silence', async () => {
  const { samples, sampleRateHz } = await synthesizeSpeech(TEN_WORDS, 'slt');
  const bounds = measureSpeechBounds(samples, sampleRateHz);
  assert.ok(bounds);
  const speech = samples.subarray((bounds.speechStartMs * sampleRateHz) / 1000, (bounds.speechEndMs * sampleRateHz) / 1000);
  // Conversational speech sits around −20 to −30 dBFS RMS; silence or noise would be far below.
  const level = rmsDbfs(speech);
  assert.ok(level > -35, `speech RMS ${level.toFixed(1)} dBFS`);
});

test('longer text gives longer audio', async () => {
  const short = await synthesizeSpeech('Yes.', 'kal16');
  const long = await synthesizeSpeech(TEN_WORDS, 'kal16');
  assert.ok(long.samples.length > 2 * short.samples.length, `${short.samples.length} vs ${long.samples.length} samples`);
});

test('different voices produce different audio', async () => {
  const voices: FliteVoice[] = ['kal16', 'awb', 'rms', 'slt'];
  const outputs = await Promise.all(voices.map((voice) => synthesizeSpeech(TEN_WORDS, voice)));
  for (let a = 0; a < outputs.length; a++) {
    for (let b = a + 1; b < outputs.length; b++) {
      const same = bytesOf(outputs[a]!.samples).equals(bytesOf(outputs[b]!.samples));
      assert.ok(!same, `${voices[a]} and ${voices[b]} gave identical audio`);
    }
  }
});

test('synthesis is deterministic', async () => {
  const first = await synthesizeSpeech(TEN_WORDS, 'awb');
  const second = await synthesizeSpeech(TEN_WORDS, 'awb');
  assert.deepEqual(second.samples, first.samples);
});

test('many syntheses in one process do not crash node (nodejs/node#46777)', async () => {
  // Without disableFastApiCalls() in flite.ts, this test file died with SIGSEGV in about one run in four.
  for (let i = 0; i < 40; i++) await synthesizeSpeech(`Number ${i}. ${TEN_WORDS}`, i % 2 === 0 ? 'slt' : 'awb');
});

test('empty or blank text is refused with an InputError', async () => {
  await assert.rejects(synthesizeSpeech(''), InputError);
  await assert.rejects(synthesizeSpeech('  \n\t '), InputError);
});

test('an unknown voice is refused instead of silently falling back', async () => {
  await assert.rejects(synthesizeSpeech('Hello there.', 'nobody' as FliteVoice), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.hint ?? '', /kal16/);
    return true;
  });
});

test('an aborted signal stops before synthesis', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(synthesizeSpeech('Hello there.', 'kal16', { signal: controller.signal }), { name: 'AbortError' });
});

test('no temporary files are left behind', async () => {
  const before = (await readdir(tmpdir())).filter((name) => name.startsWith('voicebench-flite-'));
  await synthesizeSpeech('Hello there.', 'kal16');
  await assert.rejects(synthesizeSpeech(''), InputError);
  const after = (await readdir(tmpdir())).filter((name) => name.startsWith('voicebench-flite-'));
  assert.deepEqual(after, before);
});
