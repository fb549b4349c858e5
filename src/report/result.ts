import type { MarkRecord } from '../metrics/marks.js';
import type { SpanSummary } from '../metrics/recorder.js';
import type { SpanName, SpanValues } from '../metrics/spans.js';
import type { ChunkingPolicy } from '../agent/chunking.js';
import type { CodecName } from '../audio/codecs.js';
import type { Waterfall, WaterfallSegment } from '../metrics/waterfall.js';
import type { BargeInOutcome } from '../caller/turn-plan.js';
import type { ProviderStage } from '../providers/provider-error.js';
import type { NetworkLinkStats } from '../transports/netem/link-stats.js';
import type { NetworkSpec } from '../transports/netem/network-profile.js';
import type { GateOutcome } from '../metrics/gates.js';
import type { ColumnName, TargetProtocol, TransportName } from '../names.js';
import type { RunTarget } from '../config/target-config.js';

export type { RunTarget } from '../config/target-config.js';

export type { ColumnName, TargetProtocol, TransportName } from '../names.js';

/**
 * The shape of result.json. Values in milliseconds unless a name says otherwise. Published as
 * JSON Schema in schemas/result.schema.json (`npm run schema`). Version 2 added `spanTable`,
 * `turns`, `config.gates`, `gates` and `merged`; within it, later releases added
 * `config.targets`, a result's `target`, the spans `response.first_byte` and `silence_pad`,
 * and the waterfall segments `agent` and `silence_pad` (0 when a file lacks them).
 */
export const SCHEMA_VERSION = 2;

export interface RunConfig {
  /** voicebench's own agent, over each of these transports, in order. */
  transports: TransportName[];
  /** Agents voicebench did not start, measured after the transports; absent in files written before targets existed. */
  targets?: RunTarget[];
  corpus: string;
  profile: string;
  seed: number;
  turns: number;
  silenceTimeoutMs: number;
  /** The agent's chunking policy per transport (REST is always `full`). */
  chunking: Partial<Record<TransportName, ChunkingPolicy>>;
  /** `phrase` chunking: words in the first chunk handed to TTS. */
  firstPhraseWords: number;
  /** WebSocket: how far ahead of real time the agent may send audio (WebRTC paces RTP in real time, WEBRTC_MAX_AHEAD_MS). */
  maxAheadMs: number;
  /** WebRTC: the RTP audio codec and the caller's jitter buffer. */
  codec: CodecName;
  jitterBufferMs: number;
  vadModel: string;
  /** The scenario that scripted the turns: a built-in's name or the file as given. */
  scenario: string;
  /** Caller speech over the bot must last this long to interrupt it. */
  bargeInMinSpeechMs: number;
  /** What ran the three stages: the sim providers and their profile, or the servers and models (never a key). */
  providers?: string;
  /** The network between caller and agent: a profile's name or the custom spec, and its figures. Decisions are seeded by `seed`. */
  network: { name: string; spec: NetworkSpec };
  /** Gate expressions checked after the run (`--gate`, or the scenario's `gates`), as written. */
  gates: string[];
}

export interface TurnRecord {
  /** The column: a transport's or a target's name. */
  transport: ColumnName;
  turnIndex: number;
  utterance: string;
  /** Marks relative to `caller.speech_end`; empty for a failed turn (see `error`). */
  marksMs: MarkRecord;
  spans: SpanValues;
  waterfall?: Waterfall;
  /** The corpus transcript of the utterance (what the caller said), not the STT's output. */
  transcript?: string;
  /** What the bot said, as the agent reported it. */
  reply?: string;
  error?: { stage: string; message: string };
  /** The caller spoke over this turn's answer: what happened, and the correctness verdict. */
  bargeIn?: BargeInOutcome;
  /** This turn's utterance interrupted the previous turn's answer. */
  interrupting?: boolean;
  /** OpenAI-compatible stages: retries, and stages whose request opened a new connection (their spans are reported as cold). */
  provider?: { retries: Record<ProviderStage, number>; coldStages: ProviderStage[] };
}

/** A transport's barge-ins: how many were scripted, what happened, how many were correct. */
export interface BargeInSummary {
  /** Turns with a scripted barge-in (interruptions and backchannels). */
  turns: number;
  /** Of them, spoken over the bot (the answer had not ended first). */
  spoken: number;
  interruptions: { expected: number; happened: number };
  backchannels: { expected: number; interrupted: number };
  falseInterruptions: number;
  correct: number;
  /** How the legacy client's agent learns of an interruption (REST), or undefined. */
  note?: string;
  /** Why turns were judged incorrect (the first few). */
  problems: string[];
}

export interface WaterfallSummary {
  /** The turn whose v2v is nearest the v2v median: its critical path, summing exactly to its v2v. */
  medianTurn: { turnIndex: number; utterance: string; v2v: number; segments: Waterfall } | undefined;
  /** The turn whose v2v is nearest the v2v p95: where the tail's time goes. */
  p95Turn?: { turnIndex: number; utterance: string; v2v: number; segments: Waterfall };
  /** Each segment's mean over the turns with a waterfall; sums exactly to their mean v2v, so transports compare segment by segment. */
  meanTurn: { turns: number; v2v: number; segments: Waterfall } | undefined;
  /** Each segment's own percentiles across turns (these do not add up; the median turn's do). */
  segments: Partial<Record<WaterfallSegment, SpanSummary>>;
}

/** What a transport measured outside the turns. */
export interface TransportDetails {
  /** Call set-up in ms, not inside any turn's v2v: WebRTC offer → ICE + DTLS connected; a target's handshake → session ready (cold: the first call). */
  connect?: { coldMs?: number; warmMs: number[] };
  /** WebRTC: RTP packets each way, and the gaps in their sequence numbers. */
  rtp?: {
    codec: CodecName;
    jitterBufferMs: number;
    /** `concealed`: frames the receiver made up for lost or late packets; `late`: packets that came after their frame was made up. */
    uplink: { packetsReceived: number; packetsLost: number; concealed: number; late: number };
    downlink: { packetsReceived: number; packetsLost: number; concealed: number; late: number };
  };
  /** What the impaired network did each way (absent on loopback): packets, losses, TCP stalls. */
  network?: NetworkLinkStats;
}

export interface TransportResult extends TransportDetails {
  /** The agent's chunking policy; absent for a target, whose policy is its own. */
  chunking?: ChunkingPolicy;
  /** Present when the column is a target: its protocol and URL. */
  target?: { protocol: TargetProtocol; url: string };
  turns: number;
  errors: number;
  /** Present when every turn of the column failed: nothing was measured, and the run exits 3. */
  unmeasured?: { firstError: { stage: string; message: string } };
  spans: Partial<Record<SpanName, SpanSummary>>;
  waterfall: WaterfallSummary;
  bargeIn?: BargeInSummary;
  /** OpenAI-compatible stages: retries per stage, and the spans of requests that opened a new connection (kept out of `spans`). */
  provider?: { retries: Record<ProviderStage, number>; cold: Partial<Record<SpanName, number[]>> };
}

export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: string; version: string };
  /** Wall-clock labels only; every interval comes from the monotonic clock. */
  startedAt: string;
  finishedAt: string | undefined;
  /** False while the run is going and when it was interrupted: what is here was measured. */
  complete: boolean;
  config: RunConfig;
  host: { platform: string; arch: string; node: string; cpus: number; cpuModel: string };
  /** The span table the run measured with (DESIGN.md §2): results measured with different tables do not merge or compare. */
  spanTable: SpanTableEntry[];
  /** Keyed by column: each transport's and each target's results. */
  transports: Record<ColumnName, TransportResult>;
  /** Every turn as it finished, marks included: the per-turn samples that compare and merge read. */
  turns: TurnRecord[];
  /** Each gate's verdict per transport, once the run has finished (absent while running). */
  gates?: GateOutcome[];
  /** Present on the output of `voicebench merge`: the shards it was made from. */
  merged?: { shards: MergedShard[] };
}

export interface SpanTableEntry {
  name: SpanName;
  from: string;
  to: string;
  kind?: 'audio';
}

export interface MergedShard {
  /** The file as given to `voicebench merge`. */
  file: string;
  seed: number;
  turns: number;
  startedAt: string;
}
