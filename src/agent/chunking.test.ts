// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../providers/sim/replies.js';
import { Chunker, chunkText, type ChunkingOptions } from './chunking.js';

const REPLY = 'Sure, I can book that for you. What name should I put the reservation under?';

function streamed(text: string, options: ChunkingOptions): { chunk: string; afterToken: number }[] {
  const chunker = new Chunker(options);
  const out: { chunk: string; afterToken: number }[] = [];
  const tokens = tokenize(text);
  tokens.forEach((token, index) => out.push(...chunker.push(token).map((chunk) => ({ chunk, afterToken: index }))));
  out.push(...chunker.end().map((chunk) => ({ chunk, afterToken: tokens.length })));
  return out;
}

test('full: one chunk, only when the stream ends', () => {
  assert.deepEqual(streamed(REPLY, { policy: 'full', firstPhraseWords: 4 }), [{ chunk: REPLY, afterToken: 15 }]);
});

test('sentence: each sentence once the next word shows it is complete', () => {
  // token 6 is " you." — its sentence is known complete when token 7 (" What") arrives
  assert.deepEqual(streamed(REPLY, { policy: 'sentence', firstPhraseWords: 4 }), [
    { chunk: 'Sure, I can book that for you.', afterToken: 7 },
    { chunk: 'What name should I put the reservation under?', afterToken: 15 },
  ]);
});

test('phrase: the first few words, then each phrase', () => {
  assert.deepEqual(
    streamed(REPLY, { policy: 'phrase', firstPhraseWords: 4 }).map((out) => out.chunk),
    ['Sure, I can book', 'that for you.', 'What name should I put the reservation under?'],
  );
  assert.deepEqual(chunkText('One two three four five, six seven.', { policy: 'phrase', firstPhraseWords: 2 }), ['One two', 'three four five,', 'six seven.']);
});

test('phrase: a comma inside the first words closes nothing early; the first chunk waits for its words', () => {
  assert.deepEqual(streamed('Okay. The next opening is Thursday.', { policy: 'phrase', firstPhraseWords: 4 })[0], { chunk: 'Okay.', afterToken: 1 });
});

test('splitting is the same however the text is cut into tokens', () => {
  const options: ChunkingOptions = { policy: 'phrase', firstPhraseWords: 3 };
  const byChars = new Chunker(options);
  const chunks: string[] = [];
  for (const char of REPLY) chunks.push(...byChars.push(char));
  chunks.push(...byChars.end());
  assert.deepEqual(chunks, chunkText(REPLY, options));
  assert.equal(chunks.join(' '), REPLY);
});

test('empty and whitespace-only streams give no chunk', () => {
  assert.deepEqual(chunkText('', { policy: 'sentence', firstPhraseWords: 4 }), []);
  assert.deepEqual(chunkText('   ', { policy: 'phrase', firstPhraseWords: 4 }), []);
});
