import { arch, cpus, platform } from 'node:os';
import { chunkText, type ChunkingOptions } from '../agent/chunking.js';
import { loadVadModel, SpeechDetector, type VadModel } from '../audio/vad.js';
import { TurnError } from '../caller/turn-error.js';
import { RunError, VoicebenchError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { computeSpans } from '../metrics/spans.js';
import { computeWaterfall, type Delivery } from '../metrics/waterfall.js';
import type { SimProfile } from '../providers/profile.js';
import { defaultProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import { buildPipeline } from '../providers/pipeline.js';
import { redactSecrets } from '../config/redact.js';
import type { ResultFiles } from '../report/result-files.js';
import { SCHEMA_VERSION, type ColumnName, type RunConfig, type RunResult, type SpanTableEntry, type TransportDetails, type TurnRecord } from '../report/result.js';
import { SPANS } from '../metrics/spans.js';
import type { PlannedTurn, TurnResult } from '../caller/turn-plan.js';
import { DialError } from '../targets/dial.js';
import { TargetSession } from '../targets/target-session.js';
import type { TargetSpec } from '../config/target-config.js';
import { isStreamingTransport, openTransport } from '../transports/transport.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { collectGarbage } from './gc.js';
import { TransportResults } from './transport-results.js';

export interface RunDeps {
  clock: Clock;
  profile: SimProfile;
  /** Who runs each stage (sim, OpenAI-compatible, flite) and the error-rate limit; default all sim. */
  providers?: ProviderConfig;
  files: ResultFiles;
  signal: AbortSignal;
  /** The targets of `config.targets`, resolved (headers and keys from the environment), in the same order. */
  targets?: TargetSpec[];
  /** Called as each turn finishes (for progress), after it is on disk. */
  onTurn?: (record: TurnRecord, done: number, total: number) => void;
}

/** The span table as result.json records it: what each span was measured between. */
export function spanTable(): SpanTableEntry[] {
  return SPANS.map(({ name, from, to, kind }) => ({ name, from, to, ...(kind ? { kind } : {}) }));
}

function hostInfo(): RunResult['host'] {
  return { platform: platform(), arch: arch(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
}

/** Turn records a plan produces: one per turn, plus one per barge-in expected to become the next turn. */
export function expectedRecords(plan: readonly PlannedTurn[], turns: number): number {
  let records = 0;
  for (let i = 0; i < turns; i++) records += (plan[i % plan.length] as PlannedTurn).bargeIn?.expect === 'interrupt' ? 2 : 1;
  return records;
}

/**
 * Runs the scripted turns (the plan, repeated in order up to `config.turns`) over each
 * transport in turn, then on each target, recording spans into histograms and each turn to disk as it finishes. An
 * interrupted run keeps what it measured: the result is rewritten after every turn with
 * `complete: false` until the end.
 */
export async function runBenchmark(config: RunConfig, plan: readonly PlannedTurn[], deps: RunDeps): Promise<RunResult> {
  const { clock, files, signal } = deps;
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    complete: false,
    config,
    host: hostInfo(),
    spanTable: spanTable(),
    transports: {},
    turns: [],
  };
  await files.open();
  await files.writeResult(result);
  const targets = deps.targets ?? [];
  const vadModel = config.transports.length > 0 ? await loadVadModel() : undefined;
  if (vadModel) await warmUpVad(vadModel);
  const total = expectedRecords(plan, config.turns) * (config.transports.length + targets.length);
  const providers = deps.providers ?? defaultProviderConfig();
  const progress = { done: 0, total };
  for (const transport of config.transports) {
    const chunking: ChunkingOptions = { policy: config.chunking[transport] ?? 'full', firstPhraseWords: config.firstPhraseWords };
    const built = buildPipeline(providers, deps.profile, config.seed, clock);
    await built.prepare((reply) => chunkText(reply, chunking));
    const session = await openTransport(transport, {
      pipeline: built.pipeline,
      clock,
      vadModel: vadModel as VadModel,
      silenceTimeoutMs: config.silenceTimeoutMs,
      chunking,
      maxAheadMs: config.maxAheadMs,
      bargeInMinSpeechMs: config.bargeInMinSpeechMs,
      callId: `${transport}-${config.seed}`,
      signal,
      codec: config.codec,
      jitterBufferMs: config.jitterBufferMs,
      network: { spec: config.network.spec, seed: config.seed },
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw new RunError(`${transport}: could not connect caller and agent: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    const column: Column = {
      name: transport,
      results: new TransportResults({ name: transport, chunking: chunking.policy }),
      delivery: isStreamingTransport(transport) ? 'streaming' : 'sequential',
      runTurn: (turn, turnIndex, turnSignal) => session.runTurn(turn, turnIndex, turnSignal),
      details: () => session.details?.() ?? {},
      takeProviderUsage: () => built.stats.takeTurn(),
      // voicebench's own agent on loopback: a broken transport is a broken run
      transportFailureEndsRun: true,
    };
    try {
      await session.warmUp(signal).catch((err: unknown) => {
        if (signal.aborted) throw err;
        throw new RunError(`${transport}: the agent did not answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      });
      await runColumn(column, config, plan, { ...deps, providers }, result, progress);
    } finally {
      await session.close();
    }
  }
  for (const spec of targets) {
    const session = new TargetSession(spec, clock);
    const column: Column = {
      name: spec.name,
      results: new TransportResults({ name: spec.name, target: { protocol: spec.protocol, url: spec.url } }),
      delivery: 'target',
      runTurn: (turn, turnIndex, turnSignal) => session.runTurn(turn, turnIndex, turnSignal),
      details: () => session.details(),
      // each pass through the scenario is one call: dialled afresh, its set-up timed apart from the turns
      startCall: async (turnSignal) =>
        session.startCall(turnSignal).catch((err: unknown) => {
          if (turnSignal.aborted) throw err;
          const hint = err instanceof VoicebenchError ? err.hint : undefined;
          const what = err instanceof DialError ? 'could not reach the agent' : 'the call could not start';
          throw new RunError(`${spec.name}: ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, hint: hint ?? `the turns measured before are in ${files.dir}` });
        }),
      transportFailureEndsRun: false,
    };
    try {
      await runColumn(column, config, plan, { ...deps, providers }, result, progress);
    } finally {
      await session.close();
    }
  }
  result.complete = true;
  result.finishedAt = new Date().toISOString();
  await files.writeResult(result);
  return result;
}

/** One column of the run, however it is reached: voicebench's own agent over a transport, or a target. */
interface Column {
  name: ColumnName;
  results: TransportResults;
  delivery: Delivery;
  runTurn: (turn: PlannedTurn, turnIndex: number, signal: AbortSignal) => Promise<TurnResult[]>;
  details: () => TransportDetails;
  /** Targets: a new call begins at each pass through the scenario. */
  startCall?: (signal: AbortSignal) => Promise<void>;
  /** What the providers behind the column did in the turn (voicebench's own agent only). */
  takeProviderUsage?: () => NonNullable<TurnRecord['provider']>;
  /** A transport failure (a dropped connection) ends the run, or only fails the turn and its call. */
  transportFailureEndsRun: boolean;
}

/** The scripted turns on one column, each recorded and written as it finishes. */
async function runColumn(column: Column, config: RunConfig, plan: readonly PlannedTurn[], deps: RunDeps & { providers: ProviderConfig }, result: RunResult, progress: { done: number; total: number }): Promise<void> {
  const { clock, files, signal, providers } = deps;
  const { name, results } = column;
  let turnIndex = 0;
  for (let planned = 0; planned < config.turns; planned++) {
    signal.throwIfAborted();
    if (column.startCall && planned % plan.length === 0) await column.startCall(signal);
    collectGarbage();
    const turn = plan[planned % plan.length] as PlannedTurn;
    if (turn.pauseBeforeMs > 0) await clock.sleep(turn.pauseBeforeMs, signal);
    const records = await runOneTurn(name, column.delivery, turn, turnIndex, column.runTurn, signal);
    const usage = column.takeProviderUsage?.();
    const first = records[0];
    if (first && usage && (usage.coldStages.length > 0 || Object.values(usage.retries).some((count) => count > 0))) first.provider = usage;
    for (const record of records) {
      results.add(record);
      result.turns.push(record);
      result.transports[name] = { ...results.summary(), ...column.details() };
      await files.appendTurn(record);
      await files.writeResult(result);
      deps.onTurn?.(record, ++progress.done, progress.total);
    }
    turnIndex += records.length;
    const failed = records.find((record) => record.error?.stage === 'transport');
    if (failed?.error && column.transportFailureEndsRun) throw new RunError(`${name}: ${failed.error.message}`, { hint: `partial results are in ${files.dir}` });
    const { turns, errors } = results.counts;
    const { max, minTurns } = providers.errorRate;
    if (turns >= minTurns && errors / turns > max) {
      const lastError = [...records].reverse().find((record) => record.error)?.error;
      throw new RunError(`${name}: ${errors} of ${turns} turns failed, more than the ${Math.round(max * 100)}% the run tolerates${lastError ? `; the last: ${lastError.stage}: ${lastError.message}` : ''}`, {
        hint: `partial results are in ${files.dir}; raise errorRate.max in voicebench.config.yaml to tolerate more`,
      });
    }
  }
}

/** The first inferences of an ONNX session are slow; run a second of silence through it first. */
async function warmUpVad(vadModel: VadModel): Promise<void> {
  const detector = new SpeechDetector(vadModel);
  await detector.push(new Int16Array(16_000));
}

function turnRecord(transport: ColumnName, delivery: Delivery, turnIndex: number, result: TurnResult): TurnRecord {
  const marks = result.timeline.toRecord();
  const waterfall = computeWaterfall(marks, delivery);
  const record: TurnRecord = {
    transport,
    turnIndex,
    utterance: result.utterance.id,
    marksMs: result.timeline.toRelativeRecord('caller.speech_end'),
    // an agent on another clock reports only durations between its own marks; everything else is the caller's
    spans: { ...computeSpans(marks, result.bargeInLeakMs === undefined ? {} : { 'bargein.leak': result.bargeInLeakMs }), ...result.agentSpans },
    transcript: result.utterance.transcript,
    // a target's reply text is the agent's to write, and an agent can echo what it was sent (a key)
    reply: redactSecrets(result.reply, process.env),
  };
  if (waterfall) record.waterfall = waterfall;
  if (result.bargeIn?.expect === 'continue' && !result.bargeIn.interrupted) {
    // a backchannel the bot rightly talked through is no interruption: its pause is in bargeIn.pausedMs
    for (const span of ['bargein.detect', 'bargein.stop', 'bargein.leak'] as const) delete record.spans[span];
  }
  if (result.bargeIn) record.bargeIn = result.bargeIn;
  if (result.interrupting) record.interrupting = true;
  return record;
}

async function runOneTurn(
  transport: ColumnName,
  delivery: Delivery,
  turn: PlannedTurn,
  turnIndex: number,
  runTurn: (turn: PlannedTurn, turnIndex: number, signal: AbortSignal) => Promise<TurnResult[]>,
  signal: AbortSignal,
): Promise<TurnRecord[]> {
  try {
    const results = await runTurn(turn, turnIndex, signal);
    return results.map((result, offset) => turnRecord(transport, delivery, turnIndex + offset, result));
  } catch (err) {
    if (!(err instanceof TurnError) || signal.aborted) throw err;
    // a provider's error text could echo what it was sent; no key reaches a result file
    return [{ transport, turnIndex, utterance: turn.utterance.id, marksMs: {}, spans: {}, error: { stage: err.stage, message: redactSecrets(err.message, process.env) } }];
  }
}
