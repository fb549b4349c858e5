import { synthesizeSpeech, type FliteVoice } from '../../audio/flite.js';
import { firstAudibleSample } from '../../audio/audibility.js';
import { msToSamples, SAMPLE_RATE_HZ } from '../../audio/pcm.js';
import type { SpeechRenderer } from './sim-tts.js';

/**
 * flite pads its output with 150-250 ms of silence; streaming TTS services lead with far less.
 * The sim keeps this much before the first audible sample (it still shows, in `playout`).
 */
export const SIM_TTS_LEAD_SILENCE_MS = 20;

/**
 * Real speech for the sim TTS, from the in-process flite engine, cached by text. `prepare`
 * renders the known replies before a run so rendering cost stays out of measured turns; text
 * not prepared is rendered on demand, and that real cost shows up in the turn.
 */
export class FliteRenderer implements SpeechRenderer {
  readonly #cache = new Map<string, Promise<Int16Array>>();

  constructor(private readonly voice: FliteVoice = 'slt') {}

  render(text: string, signal?: AbortSignal): Promise<Int16Array> {
    let speech = this.#cache.get(text);
    if (!speech) {
      speech = this.synthesize(text, signal);
      this.#cache.set(text, speech);
      speech.catch(() => this.#cache.delete(text));
    }
    return speech;
  }

  async prepare(texts: Iterable<string>): Promise<void> {
    for (const text of texts) await this.render(text);
  }

  private async synthesize(text: string, signal?: AbortSignal): Promise<Int16Array> {
    const speech = await synthesizeSpeech(text, this.voice, signal ? { signal } : {});
    if (speech.sampleRateHz !== SAMPLE_RATE_HZ) {
      throw new Error(`flite voice ${this.voice} speaks at ${speech.sampleRateHz} Hz; the sim TTS needs ${SAMPLE_RATE_HZ} Hz`);
    }
    const audibleIndex = firstAudibleSample(speech.samples) ?? 0;
    return speech.samples.slice(Math.max(0, audibleIndex - msToSamples(SIM_TTS_LEAD_SILENCE_MS)));
  }
}
