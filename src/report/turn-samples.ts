import { SPAN_NAMES, type SpanName } from '../metrics/spans.js';
import { COLD_SPANS } from '../run/transport-results.js';
import type { ColumnName, RunResult, TurnRecord } from './result.js';

/**
 * Spans measured once per turn. `connect` is measured once per connection, before any turn, and
 * lives in `transports[t].connect` (cold and warm set-ups), never in a turn's spans nor in the
 * span histograms, so it has no per-turn samples to test.
 */
export type TurnSpanName = Exclude<SpanName, 'connect'>;

export const TURN_SPAN_NAMES: readonly TurnSpanName[] = SPAN_NAMES.filter((name): name is TurnSpanName => name !== 'connect');

/** The turn's request for this span's stage opened a new connection: the value was reported as cold, outside the histogram. */
function isCold(record: TurnRecord, span: TurnSpanName): boolean {
  return record.provider?.coldStages.some((stage) => COLD_SPANS[stage].includes(span)) ?? false;
}

/**
 * The per-turn values, in ms and in turn order, that went into `transports[transport].spans[span]`:
 * the same turns TransportResults recorded (failed turns and cold requests left out). The
 * histogram holds them rounded to the microsecond; these are the values before rounding.
 */
export function spanSamples(result: RunResult, transport: ColumnName, span: TurnSpanName): number[] {
  const samples: number[] = [];
  for (const record of result.turns) {
    if (record.transport !== transport || record.error || isCold(record, span)) continue;
    const valueMs = record.spans[span];
    if (valueMs !== undefined) samples.push(valueMs);
  }
  return samples;
}
