import type { FliteVoice } from '../audio/flite.js';
import type { ProviderConfig, StageConfig } from '../config/provider-config.js';
import type { Clock } from '../metrics/clock.js';
import { FliteTts } from './flite-tts.js';
import { openAiLlm, openAiStt, openAiTts, type OpenAiStageConfig } from './openai/openai-pipeline.js';
import { ProviderStats } from './provider-error.js';
import type { SimProfile } from './profile.js';
import { createSimPipeline } from './sim/sim-pipeline.js';
import type { Pipeline } from './types.js';

export interface BuiltPipeline {
  pipeline: Pipeline;
  /** Retries and new connections per turn (OpenAI-compatible stages). */
  stats: ProviderStats;
  /** Renders what the sim TTS will be asked for, when the TTS is the sim one. */
  prepare(splitReply: (reply: string) => readonly string[]): Promise<void>;
}

function openAiStage(stage: StageConfig): OpenAiStageConfig {
  const { baseUrl, model, apiKeyEnv, voice, timeoutMs, maxRetries } = stage;
  if (!baseUrl || !model || !apiKeyEnv) throw new Error('an openai stage lacks its baseUrl, model or apiKeyEnv (the config loader fills them in)');
  return { baseUrl, model, apiKeyEnv, ...(voice ? { voice } : {}), ...(timeoutMs ? { timeoutMs } : {}), ...(maxRetries !== undefined ? { maxRetries } : {}) };
}

/**
 * Each stage from its configured provider: sim (following `profile`), an OpenAI-compatible
 * server, or (TTS) flite in process. Stages may mix: STT from one server, the LLM from another.
 */
export function buildPipeline(config: ProviderConfig, profile: SimProfile, seed: number, clock: Clock, env: NodeJS.ProcessEnv = process.env): BuiltPipeline {
  const sim = createSimPipeline(profile, seed, clock);
  const stats = new ProviderStats();
  const stt = config.stt.provider === 'openai' ? openAiStt(openAiStage(config.stt), stats, clock, true, env) : sim.stt;
  const llm = config.llm.provider === 'openai' ? openAiLlm(openAiStage(config.llm), stats, clock, env) : sim.llm;
  const tts =
    config.tts.provider === 'openai' ? openAiTts(openAiStage(config.tts), stats, clock, env) : config.tts.provider === 'flite' ? new FliteTts((config.tts.voice ?? 'slt') as FliteVoice) : sim.tts;
  return {
    pipeline: { stt, llm, tts },
    stats,
    prepare: async (splitReply) => {
      if (config.tts.provider === 'sim') await sim.prepare(splitReply);
    },
  };
}
