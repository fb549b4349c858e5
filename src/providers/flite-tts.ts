import { synthesizeSpeech, type FliteVoice } from '../audio/flite.js';
import { msToSamples, SAMPLE_RATE_HZ } from '../audio/pcm.js';
import type { TtsProvider, TurnHints } from './types.js';

/** Audio leaves in chunks of this much speech once synthesized. */
const CHUNK_MS = 40;

/**
 * A real TTS with no key and no network: the flite engine (WASI build, in process) synthesizes
 * every request from scratch, so `tts.ttfb` is its real synthesis time on this machine. flite is
 * not a streaming engine: the whole chunk is synthesized before its first audio, and it keeps
 * its own 150–250 ms of leading silence (it shows in `playout`). Synthesis runs on the main
 * thread, so while it runs nothing else in the process does.
 */
export class FliteTts implements TtsProvider {
  readonly name = 'flite';

  constructor(private readonly voice: FliteVoice) {}

  async *synthesize(text: string, _hints: TurnHints, signal: AbortSignal): AsyncIterable<Int16Array> {
    const speech = await synthesizeSpeech(text, this.voice, { signal });
    if (speech.sampleRateHz !== SAMPLE_RATE_HZ) throw new Error(`flite voice ${this.voice} speaks at ${speech.sampleRateHz} Hz; voicebench needs ${SAMPLE_RATE_HZ} Hz (use kal16, awb, rms or slt)`);
    const chunkSamples = msToSamples(CHUNK_MS);
    for (let offset = 0; offset < speech.samples.length; offset += chunkSamples) {
      signal.throwIfAborted();
      yield speech.samples.subarray(offset, offset + chunkSamples);
    }
  }
}
