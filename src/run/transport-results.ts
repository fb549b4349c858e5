import { HistogramSet, SpanRecorder } from '../metrics/recorder.js';
import { WATERFALL_SEGMENTS, type ChunkingPolicy, type WaterfallSegment } from '../metrics/waterfall.js';
import type { TransportResult, TurnRecord } from '../report/result.js';

/** Accumulates one transport's turns into histograms; keeps only what the median waterfall needs. */
export class TransportResults {
  readonly #spans = new SpanRecorder();
  readonly #segments = new HistogramSet<WaterfallSegment>();
  readonly #waterfallTurns: TurnRecord[] = [];
  #turns = 0;
  #errors = 0;

  constructor(private readonly chunking: ChunkingPolicy) {}

  add(record: TurnRecord): void {
    this.#turns++;
    if (record.error) {
      this.#errors++;
      return;
    }
    this.#spans.recordSpans(record.spans);
    if (record.waterfall && record.spans.v2v !== undefined) {
      this.#segments.recordAll(record.waterfall);
      this.#waterfallTurns.push({ ...record, marksMs: {} });
    }
  }

  summary(): TransportResult {
    const spans = this.#spans.spanSummaries();
    const medianV2v = spans.v2v?.p50;
    let medianTurn: TransportResult['waterfall']['medianTurn'];
    if (medianV2v !== undefined) {
      const nearest = this.#waterfallTurns.reduce<TurnRecord | undefined>((best, turn) => {
        if (!best) return turn;
        return Math.abs((turn.spans.v2v ?? 0) - medianV2v) < Math.abs((best.spans.v2v ?? 0) - medianV2v) ? turn : best;
      }, undefined);
      if (nearest?.waterfall && nearest.spans.v2v !== undefined) {
        medianTurn = { turnIndex: nearest.turnIndex, utterance: nearest.utterance, v2v: nearest.spans.v2v, segments: nearest.waterfall };
      }
    }
    return {
      chunking: this.chunking,
      turns: this.#turns,
      errors: this.#errors,
      spans,
      waterfall: { medianTurn, segments: this.#segments.summaries(WATERFALL_SEGMENTS) },
    };
  }
}
