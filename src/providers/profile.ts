/**
 * A simulated provider latency profile (DESIGN.md §4). Each stage's time is its provider's
 * processing time plus the network distance to it, sampled per turn from a log-normal given
 * by its p50 and p95 (p50 == p95 means constant). Every profile names where its figures come from.
 */
export interface LatencyDistribution {
  p50Ms: number;
  p95Ms: number;
}

export interface StageNetwork {
  /** Round trip to the provider's endpoint (an edge TTS is a few ms away, a regional one tens). */
  rttMs: number;
}

export interface SimProfile {
  name: string;
  summary: string;
  /** Where the figures come from: article, benchmark page or vendor documentation, with year. */
  sources: string[];
  stt: StageNetwork & {
    /** Batch transcription: request sent → final transcript, processing only. */
    batch: LatencyDistribution;
    /** Streaming: end of utterance → final transcript (used by streaming transports). */
    streamingFinal: LatencyDistribution;
  };
  llm: StageNetwork & {
    /** Request → first token, processing only. */
    ttft: LatencyDistribution;
    /** Decode speed after the first token. */
    tokensPerSecond: LatencyDistribution;
    /** When set, the whole answer takes this long (first token → last token is stretched to fit). */
    completion?: LatencyDistribution;
  };
  tts: StageNetwork & {
    /** Request → first audio chunk, processing only. */
    ttfb: LatencyDistribution;
    /** Seconds of audio produced per second of synthesis after the first chunk. */
    realtimeFactor: number;
    /** When set, the whole synthesis takes this long (first → last chunk is stretched to fit). */
    total?: LatencyDistribution;
  };
  /** Extra latency on the first request of a run to each stage (connection setup, model load). */
  coldStartMs: number;
}
