import { isDeepStrictEqual } from 'node:util';
import { decodeSummary, summarizeHistogram, type SpanSummary } from '../metrics/recorder.js';
import { SPAN_NAMES } from '../metrics/spans.js';
import { WATERFALL_SEGMENTS } from '../metrics/waterfall.js';
import { addLinkStats, emptyLinkStats } from '../transports/netem/link-stats.js';
import { TransportResults } from '../run/transport-results.js';
import { InputError } from '../errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { columnsOf } from './columns.js';
import { SCHEMA_VERSION, type RunConfig, type RunResult, type ColumnName, type TransportResult, type TurnRecord } from './result.js';

/**
 * `voicebench merge`: shards of one benchmark (the same scenario and settings, run on several
 * machines or at several seeds) into one result, as if one run had measured every turn.
 * Histograms are added (HDR `add` is exact: the merged percentiles are those of one histogram
 * holding every value); what a histogram cannot give (the median and p95 turns' waterfalls, the
 * barge-in verdicts, retries) is rebuilt from the per-turn records, renumbered to follow on.
 */
export interface Shard {
  /** The file as the user named it. */
  file: string;
  result: RunResult;
}

/** Settings that must match: a difference would mix two distributions. Seeds, turn counts and gates may differ. */
const SAME_CONFIG: ReadonlyArray<keyof RunConfig> = [
  'scenario',
  'profile',
  'providers',
  'transports',
  'targets',
  'chunking',
  'firstPhraseWords',
  'maxAheadMs',
  'codec',
  'jitterBufferMs',
  'network',
  'silenceTimeoutMs',
  'bargeInMinSpeechMs',
  'vadModel',
  'corpus',
];

/** Every reason the shards cannot be merged, each naming the file and the field. */
function incompatibilities(shards: readonly Shard[]): string[] {
  const [first, ...others] = shards as [Shard, ...Shard[]];
  const problems: string[] = [];
  for (const shard of others) {
    if (shard.result.schemaVersion !== first.result.schemaVersion) problems.push(`${shard.file}: schemaVersion ${shard.result.schemaVersion} differs from ${first.file}'s ${first.result.schemaVersion}`);
    if (!isDeepStrictEqual(shard.result.spanTable, first.result.spanTable)) {
      const differing = shard.result.spanTable.filter((span) => !first.result.spanTable.some((other) => isDeepStrictEqual(other, span))).map((span) => span.name);
      problems.push(`${shard.file}: its span table differs from ${first.file}'s${differing.length > 0 ? ` (${differing.join(', ')})` : ''}: the spans were measured between different marks`);
    }
    for (const key of SAME_CONFIG) {
      if (!isDeepStrictEqual(shard.result.config[key], first.result.config[key])) {
        problems.push(`${shard.file}: config.${key} ${JSON.stringify(shard.result.config[key])} differs from ${first.file}'s ${JSON.stringify(first.result.config[key])}`);
      }
    }
  }
  return problems;
}

function addSummaries(summaries: ReadonlyArray<SpanSummary | undefined>): SpanSummary | undefined {
  const present = summaries.filter((summary): summary is SpanSummary => summary !== undefined);
  const [first, ...rest] = present;
  if (!first) return undefined;
  const merged = decodeSummary(first);
  for (const summary of rest) merged.add(decodeSummary(summary));
  return summarizeHistogram(merged);
}

function mergedSummaries<Key extends string>(keys: readonly Key[], parts: ReadonlyArray<Partial<Record<Key, SpanSummary>>>): Partial<Record<Key, SpanSummary>> {
  const merged: Partial<Record<Key, SpanSummary>> = {};
  for (const key of keys) {
    const summary = addSummaries(parts.map((part) => part[key]));
    if (summary) merged[key] = summary;
  }
  return merged;
}

/** What a transport measured outside the turns, added across shards. */
function mergedDetails(parts: readonly TransportResult[]): Pick<TransportResult, 'connect' | 'rtp' | 'network'> {
  const details: Pick<TransportResult, 'connect' | 'rtp' | 'network'> = {};
  const connects = parts.flatMap((part) => (part.connect ? [part.connect] : []));
  if (connects.length > 0) {
    const coldMs = connects.find((connect) => connect.coldMs !== undefined)?.coldMs;
    details.connect = { ...(coldMs === undefined ? {} : { coldMs }), warmMs: connects.flatMap((connect) => connect.warmMs) };
  }
  const rtps = parts.flatMap((part) => (part.rtp ? [part.rtp] : []));
  const [firstRtp] = rtps;
  if (firstRtp) {
    const sum = (direction: 'uplink' | 'downlink'): NonNullable<TransportResult['rtp']>['uplink'] => ({
      packetsReceived: rtps.reduce((total, rtp) => total + rtp[direction].packetsReceived, 0),
      packetsLost: rtps.reduce((total, rtp) => total + rtp[direction].packetsLost, 0),
      concealed: rtps.reduce((total, rtp) => total + rtp[direction].concealed, 0),
      late: rtps.reduce((total, rtp) => total + rtp[direction].late, 0),
    });
    details.rtp = { codec: firstRtp.codec, jitterBufferMs: firstRtp.jitterBufferMs, uplink: sum('uplink'), downlink: sum('downlink') };
  }
  const networks = parts.flatMap((part) => (part.network ? [part.network] : []));
  if (networks.length > 0) {
    const network = { uplink: emptyLinkStats(), downlink: emptyLinkStats() };
    for (const part of networks) {
      addLinkStats(network.uplink, part.uplink);
      addLinkStats(network.downlink, part.downlink);
    }
    details.network = network;
  }
  return details;
}

function mergeTransport(name: ColumnName, shards: readonly Shard[], turns: readonly TurnRecord[]): TransportResult | undefined {
  const parts = shards.flatMap((shard) => {
    const part = shard.result.transports[name];
    return part ? [part] : [];
  });
  const [first] = parts;
  if (!first) return undefined;
  const rebuilt = new TransportResults({ name, ...(first.chunking === undefined ? {} : { chunking: first.chunking }), ...(first.target ? { target: first.target } : {}) });
  for (const turn of turns) rebuilt.add(turn);
  const summary = rebuilt.summary();
  return {
    ...summary,
    spans: mergedSummaries(SPAN_NAMES, parts.map((part) => part.spans)),
    waterfall: { ...summary.waterfall, segments: mergedSummaries(WATERFALL_SEGMENTS, parts.map((part) => part.waterfall.segments)) },
    ...mergedDetails(parts),
  };
}

/** Each shard's turns, renumbered so that a transport's turns follow on from the previous shard's. */
function renumberedTurns(shards: readonly Shard[]): TurnRecord[] {
  const next = new Map<ColumnName, number>();
  const turns: TurnRecord[] = [];
  for (const shard of shards) {
    const offsets = new Map(next);
    for (const turn of shard.result.turns) {
      const turnIndex = (offsets.get(turn.transport) ?? 0) + turn.turnIndex;
      turns.push({ ...turn, turnIndex });
      next.set(turn.transport, Math.max(next.get(turn.transport) ?? 0, turnIndex + 1));
    }
  }
  return turns;
}

export function mergeResults(shards: readonly Shard[]): RunResult {
  if (shards.length < 2) throw new InputError(`merge needs at least two results, got ${shards.length}`, { hint: 'voicebench merge shard-1/result.json shard-2/result.json -o merged.json' });
  const problems = incompatibilities(shards);
  if (problems.length > 0) {
    throw new InputError(`these results cannot be merged:\n  ${problems.join('\n  ')}`, {
      hint: 'merge only shards of one benchmark (same scenario, profile, providers, network and settings; seeds and turn counts may differ); to put different runs side by side use: voicebench compare A.json B.json',
    });
  }
  const [first] = shards as [Shard, ...Shard[]];
  const turns = renumberedTurns(shards);
  const transports: RunResult['transports'] = {};
  for (const name of columnsOf(first.result.config)) {
    const merged = mergeTransport(
      name,
      shards,
      turns.filter((turn) => turn.transport === name),
    );
    if (merged) transports[name] = merged;
  }
  const startedAt = shards.map((shard) => shard.result.startedAt).sort()[0] as string;
  const finished = shards.map((shard) => shard.result.finishedAt);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    startedAt,
    finishedAt: finished.every((at) => at !== undefined) ? (finished.sort().at(-1) as string) : undefined,
    complete: shards.every((shard) => shard.result.complete),
    config: { ...first.result.config, turns: shards.reduce((total, shard) => total + shard.result.config.turns, 0) },
    host: first.result.host,
    spanTable: first.result.spanTable,
    transports,
    turns,
    merged: { shards: shards.map((shard) => ({ file: shard.file, seed: shard.result.config.seed, turns: shard.result.config.turns, startedAt: shard.result.startedAt })) },
  };
}
