/**
 * What of an interrupted answer the caller heard. An answer is spoken in chunks (one per TTS
 * request); within a chunk, words are taken as evenly spread over its audio (no provider here
 * reports word timings), so a cut is placed to the word, and is exact to the chunk.
 */
export interface SpokenChunk {
  text: string;
  /** Duration of the chunk's synthesized audio, leading silence included. */
  audioMs: number;
}

export interface HeardText {
  /** The words heard, joined by single spaces. */
  text: string;
  words: number;
  /** The chunk playing at the cut (chunks.length when the whole answer was heard). */
  chunkIndex: number;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** The words whose start had played after `heardMs` of the answer's audio. */
export function heardText(chunks: readonly SpokenChunk[], heardMs: number): HeardText {
  const heard: string[] = [];
  let chunkStartMs = 0;
  for (const [index, chunk] of chunks.entries()) {
    const chunkWords = words(chunk.text);
    if (heardMs < chunkStartMs + chunk.audioMs) {
      const perWordMs = chunk.audioMs / Math.max(chunkWords.length, 1);
      const count = Math.min(chunkWords.length, Math.max(0, Math.ceil((heardMs - chunkStartMs) / perWordMs)));
      heard.push(...chunkWords.slice(0, count));
      return { text: heard.join(' '), words: heard.length, chunkIndex: index };
    }
    heard.push(...chunkWords);
    chunkStartMs += chunk.audioMs;
  }
  return { text: heard.join(' '), words: heard.length, chunkIndex: chunks.length };
}

/**
 * Whether `content` (the truncated answer the agent kept in context) matches `heardMs` of audio
 * within one chunk: it is a prefix of the answer's words, and its cut lies in the chunk playing
 * at `heardMs`, the one before, or the one after.
 */
export function truncationMatches(chunks: readonly SpokenChunk[], heardMs: number, content: string): { ok: boolean; expected: string } {
  const expected = heardText(chunks, heardMs);
  const all = chunks.flatMap((chunk) => words(chunk.text));
  const kept = words(content);
  const isPrefix = kept.length <= all.length && kept.every((word, index) => word === all[index]);
  // the chunk holding the first word not kept (chunks.length when every word was kept)
  let cutChunk = chunks.length;
  let wordsBefore = 0;
  for (const [index, chunk] of chunks.entries()) {
    const count = words(chunk.text).length;
    if (kept.length < wordsBefore + count) {
      cutChunk = index;
      break;
    }
    wordsBefore += count;
  }
  return { ok: isPrefix && Math.abs(cutChunk - expected.chunkIndex) <= 1, expected: expected.text };
}
