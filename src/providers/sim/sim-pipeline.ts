import type { Clock } from '../../metrics/clock.js';
import type { SimProfile } from '../profile.js';
import type { Pipeline } from '../types.js';
import { FliteRenderer } from './flite-renderer.js';
import { ALL_REPLIES } from './replies.js';
import { LatencySampler } from './sampler.js';
import { SimLlm } from './sim-llm.js';
import { SimStt } from './sim-stt.js';
import { SimTts } from './sim-tts.js';

export interface SimPipeline extends Pipeline {
  /** Renders every reply the sim LLM can give, so no measured turn pays for speech rendering. */
  prepare(): Promise<void>;
}

export function createSimPipeline(profile: SimProfile, seed: number, clock: Clock): SimPipeline {
  const sampler = new LatencySampler(seed);
  const renderer = new FliteRenderer();
  return {
    stt: new SimStt(profile, sampler, clock),
    llm: new SimLlm(profile, sampler, clock),
    tts: new SimTts(profile, sampler, clock, renderer),
    prepare: () => renderer.prepare(ALL_REPLIES),
  };
}
