/**
 * The chunking policy (DESIGN.md §3): when the LLM's streamed text is handed to TTS.
 *
 * - `full`: the whole answer, once the completion has ended.
 * - `sentence`: each sentence as soon as its closing `.`, `!` or `?` has streamed in.
 * - `phrase`: the first `firstPhraseWords` words as soon as they have streamed in (or a shorter
 *   first sentence), then each phrase (up to a `,` `;` `:` `.` `!` `?` or dash).
 *
 * Whatever is left when the completion ends is the last chunk. Chunks are trimmed; joined with
 * single spaces they give back the answer's words.
 */
export const CHUNKING_POLICIES = ['full', 'sentence', 'phrase'] as const;
export type ChunkingPolicy = (typeof CHUNKING_POLICIES)[number];

export interface ChunkingOptions {
  policy: ChunkingPolicy;
  /** `phrase` only: words in the first chunk. */
  firstPhraseWords: number;
}

/** Four words is about 1.2 s of speech: enough for a TTS to sound natural, short enough to start early. */
export const DEFAULT_FIRST_PHRASE_WORDS = 4;

const SENTENCE_END = /[.!?]["')\]]*$/;
const PHRASE_END = /([.!?,;:]|\s[-–—])["')\]]*$/;

/**
 * Splits streamed text into chunks, one token at a time. Decisions are made at word
 * boundaries: a chunk closes when a word that ends it is complete, which is known when the next
 * word begins or the stream ends.
 */
export class Chunker {
  #pending = '';
  #chunksOut = 0;

  constructor(private readonly options: ChunkingOptions) {}

  /** Appends a token; returns the chunks it completed (usually none or one). */
  push(token: string): string[] {
    const out: string[] = [];
    for (const piece of token.match(/\s+|\S+/g) ?? []) {
      if (/^\s/.test(piece) && this.shouldClose()) this.close(out);
      this.#pending += piece;
    }
    return out;
  }

  /** The stream ended: whatever is left is the last chunk. */
  end(): string[] {
    const out: string[] = [];
    this.close(out);
    return out;
  }

  private shouldClose(): boolean {
    const text = this.#pending.trimEnd();
    if (text.length === 0) return false;
    switch (this.options.policy) {
      case 'full':
        return false;
      case 'sentence':
        return SENTENCE_END.test(text);
      case 'phrase':
        if (this.#chunksOut === 0) return countWords(text) >= this.options.firstPhraseWords || SENTENCE_END.test(text);
        return PHRASE_END.test(text);
    }
  }

  private close(out: string[]): void {
    const chunk = this.#pending.trim();
    this.#pending = '';
    if (chunk.length === 0) return;
    this.#chunksOut++;
    out.push(chunk);
  }
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/** The chunks a whole answer becomes under `options`, exactly as when it is streamed token by token. */
export function chunkText(text: string, options: ChunkingOptions): string[] {
  const chunker = new Chunker(options);
  return [...chunker.push(text), ...chunker.end()];
}
