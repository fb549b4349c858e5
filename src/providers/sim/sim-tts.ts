import { msToSamples } from '../../audio/pcm.js';
import type { Clock } from '../../metrics/clock.js';
import type { SimProfile } from '../profile.js';
import type { TtsProvider, TurnHints } from '../types.js';
import type { LatencySampler } from './sampler.js';
import { SimStage } from './sim-stage.js';

/** Turns text into real 16 kHz speech; the sim TTS only decides *when* it is delivered. */
export interface SpeechRenderer {
  render(text: string, signal?: AbortSignal): Promise<Int16Array>;
}

/** Audio leaves the sim TTS in chunks of this much speech. */
export const SIM_TTS_CHUNK_MS = 40;

/**
 * Returns real speech for the text, chunked, on a drift-free schedule: the first chunk after
 * the sampled time-to-first-byte, the rest at the profile's real-time factor, or stretched so
 * the last arrives at the sampled total when the profile gives one. Rendering the speech is real
 * work: if it takes longer than the sampled latency, the audio is late, as it would be.
 */
export class SimTts extends SimStage implements TtsProvider {
  constructor(
    profile: SimProfile,
    sampler: LatencySampler,
    clock: Clock,
    private readonly renderer: SpeechRenderer,
  ) {
    super(profile, sampler, clock);
  }

  async *synthesize(text: string, hints: TurnHints, signal: AbortSignal): AsyncIterable<Int16Array> {
    const startMs = hints.receivedAtMs ?? this.clock.nowMs();
    const { tts } = this.profile;
    const turn = hints.turnIndex;
    const coldMs = this.takeColdStartMs();
    const ttfbMs = tts.rttMs + coldMs + this.sampler.sampleMs(tts.ttfb, 'tts.ttfb', turn);
    const speech = await this.renderer.render(text, signal);
    const chunkSamples = msToSamples(SIM_TTS_CHUNK_MS);
    const chunkCount = Math.max(1, Math.ceil(speech.length / chunkSamples));
    let spacingMs = SIM_TTS_CHUNK_MS / tts.realtimeFactor;
    if (tts.total && chunkCount > 1) {
      const totalMs = Math.max(ttfbMs, tts.rttMs + coldMs + this.sampler.sampleMs(tts.total, 'tts.total', turn));
      spacingMs = (totalMs - ttfbMs) / (chunkCount - 1);
    }
    for (let index = 0; index < chunkCount; index++) {
      await this.clock.sleepUntil(startMs + ttfbMs + index * spacingMs, signal);
      yield speech.subarray(index * chunkSamples, (index + 1) * chunkSamples);
    }
  }
}
