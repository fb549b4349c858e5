import { STAGE_NAMES } from '../config/provider-schema.js';
import { HistogramSet, SpanRecorder } from '../metrics/recorder.js';
import type { ChunkingPolicy } from '../agent/chunking.js';
import { emptyWaterfall, WATERFALL_SEGMENTS, type WaterfallSegment } from '../metrics/waterfall.js';
import type { BargeInSummary, TransportResult, TurnRecord } from '../report/result.js';
import type { ProviderStage } from '../providers/provider-error.js';
import type { SpanName } from '../metrics/spans.js';

const MAX_PROBLEMS = 5;

/** The spans a stage's request time lands in. */
export const COLD_SPANS: Record<ProviderStage, readonly SpanName[]> = { stt: ['stt'], llm: ['llm.ttft', 'llm.first_phrase'], tts: ['tts.ttfb'] };

/** What a column is: a transport of voicebench's own agent (with its chunking policy), or a target. */
export interface ColumnIdentity {
  name: string;
  chunking?: ChunkingPolicy;
  target?: TransportResult['target'];
}

/** Accumulates one column's turns into histograms; keeps only what the median and p95 waterfalls need. */
export class TransportResults {
  readonly #spans = new SpanRecorder();
  readonly #segments = new HistogramSet<WaterfallSegment>();
  readonly #waterfallTurns: TurnRecord[] = [];
  /** Exact sums, for the mean waterfall (means add up where percentiles do not). */
  readonly #segmentSumsMs = emptyWaterfall();
  #v2vSumMs = 0;
  #turns = 0;
  #errors = 0;
  #firstError: { stage: string; message: string } | undefined;

  readonly #bargeIn: BargeInSummary = { turns: 0, spoken: 0, interruptions: { expected: 0, happened: 0 }, backchannels: { expected: 0, interrupted: 0 }, falseInterruptions: 0, correct: 0, problems: [] };

  readonly #provider: NonNullable<TransportResult['provider']> = { retries: { stt: 0, llm: 0, tts: 0 }, cold: {} };
  #hasProvider = false;

  constructor(private readonly column: ColumnIdentity) {
    if (column.target) this.#bargeIn.note = 'caller-side only: whether the agent kept its answer in its context as far as it was heard is not visible from outside';
    else if (column.name === 'rest') this.#bargeIn.note = 'the REST agent learns of an interruption only with the next request; the caller stops playback itself';
  }

  private addBargeIn(record: TurnRecord): void {
    const outcome = record.bargeIn;
    if (!outcome) return;
    const summary = this.#bargeIn;
    summary.turns++;
    if (outcome.spoken) summary.spoken++;
    if (outcome.expect === 'interrupt') {
      summary.interruptions.expected++;
      if (outcome.interrupted) summary.interruptions.happened++;
    } else {
      summary.backchannels.expected++;
      if (outcome.interrupted) summary.backchannels.interrupted++;
    }
    summary.falseInterruptions += outcome.falseInterruptions;
    if (outcome.correct) summary.correct++;
    for (const problem of outcome.problems) if (summary.problems.length < MAX_PROBLEMS) summary.problems.push(`turn ${record.turnIndex}: ${problem}`);
  }

  /** Turns so far and how many failed, without building the histograms' summaries. */
  get counts(): { turns: number; errors: number } {
    return { turns: this.#turns, errors: this.#errors };
  }

  /** Spans of a stage whose request opened a new connection: reported apart, as cold. */
  private splitCold(record: TurnRecord): TurnRecord['spans'] {
    const usage = record.provider;
    if (!usage) return record.spans;
    for (const stage of STAGE_NAMES) this.#provider.retries[stage] += usage.retries[stage];
    const spans = { ...record.spans };
    for (const stage of usage.coldStages) {
      for (const span of COLD_SPANS[stage]) {
        const value = spans[span];
        if (value === undefined) continue;
        (this.#provider.cold[span] ??= []).push(value);
        delete spans[span];
      }
    }
    this.#hasProvider = true;
    return spans;
  }

  add(record: TurnRecord): void {
    this.#turns++;
    this.addBargeIn(record);
    const spans = this.splitCold(record); // retries count whether or not the turn failed
    if (record.error) {
      this.#errors++;
      this.#firstError ??= { ...record.error };
      return;
    }
    this.#spans.recordSpans(spans);
    if (record.waterfall && record.spans.v2v !== undefined) {
      this.#segments.recordAll(record.waterfall);
      for (const segment of WATERFALL_SEGMENTS) this.#segmentSumsMs[segment] += record.waterfall[segment];
      this.#v2vSumMs += record.spans.v2v;
      this.#waterfallTurns.push({ ...record, marksMs: {} });
    }
  }

  private meanTurn(): TransportResult['waterfall']['meanTurn'] {
    const turns = this.#waterfallTurns.length;
    if (turns === 0) return undefined;
    const segments = emptyWaterfall();
    for (const segment of WATERFALL_SEGMENTS) segments[segment] = this.#segmentSumsMs[segment] / turns;
    return { turns, v2v: this.#v2vSumMs / turns, segments };
  }

  /** The turn whose v2v is nearest `targetMs`, with its critical path. */
  private nearestTurn(targetMs: number | undefined): TransportResult['waterfall']['medianTurn'] {
    if (targetMs === undefined) return undefined;
    const nearest = this.#waterfallTurns.reduce<TurnRecord | undefined>((best, turn) => {
      if (!best) return turn;
      return Math.abs((turn.spans.v2v ?? 0) - targetMs) < Math.abs((best.spans.v2v ?? 0) - targetMs) ? turn : best;
    }, undefined);
    if (!nearest?.waterfall || nearest.spans.v2v === undefined) return undefined;
    return { turnIndex: nearest.turnIndex, utterance: nearest.utterance, v2v: nearest.spans.v2v, segments: nearest.waterfall };
  }

  summary(): TransportResult {
    const spans = this.#spans.spanSummaries();
    const medianTurn = this.nearestTurn(spans.v2v?.p50);
    const p95Turn = this.nearestTurn(spans.v2v?.p95);
    const { chunking, target } = this.column;
    return {
      ...(chunking === undefined ? {} : { chunking }),
      ...(target === undefined ? {} : { target: { ...target } }),
      turns: this.#turns,
      errors: this.#errors,
      ...(this.#turns > 0 && this.#errors === this.#turns && this.#firstError ? { unmeasured: { firstError: { ...this.#firstError } } } : {}),
      spans,
      waterfall: { medianTurn, ...(p95Turn ? { p95Turn } : {}), meanTurn: this.meanTurn(), segments: this.#segments.summaries(WATERFALL_SEGMENTS) },
      ...(this.#bargeIn.turns > 0 ? { bargeIn: structuredClone(this.#bargeIn) } : {}),
      ...(this.#hasProvider ? { provider: structuredClone(this.#provider) } : {}),
    };
  }
}
