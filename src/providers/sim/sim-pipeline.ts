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
  /**
   * Renders every text the sim TTS can be asked for, so no measured turn pays for speech
   * rendering: each reply the sim LLM can give, cut as the agent's chunking policy will cut it.
   */
  prepare(splitReply?: (reply: string) => readonly string[]): Promise<void>;
}

/** Rendered speech depends only on the text, so every pipeline in the process shares one cache. */
const sharedRenderer = new FliteRenderer();

export function createSimPipeline(profile: SimProfile, seed: number, clock: Clock): SimPipeline {
  const sampler = new LatencySampler(seed);
  return {
    stt: new SimStt(profile, sampler, clock),
    llm: new SimLlm(profile, sampler, clock),
    tts: new SimTts(profile, sampler, clock, sharedRenderer),
    prepare: (splitReply = (reply) => [reply]) => sharedRenderer.prepare(ALL_REPLIES.flatMap((reply) => splitReply(reply))),
  };
}
