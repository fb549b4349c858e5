import type { GateOutcome } from '../metrics/gates.js';
import { V2V_OPTIMUM_MS, V2V_TARGET_MS } from '../metrics/spans.js';

/** Milliseconds as every reporter prints them: one decimal under 10 ms, whole above. */
export function ms(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(Math.abs(value) < 10 ? 1 : 0);
}

export function signedMs(value: number): string {
  return `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
}

/** The lower median of values that are not spans (TCP stall sizes, connect set-ups), as the reports print it. */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Where a v2v p50 stands against the 350 ms optimum and the 500 ms target; each reporter adds its own mark. */
export function v2vStanding(p50: number): { held: boolean; text: string } {
  if (p50 <= V2V_OPTIMUM_MS) return { held: true, text: `within the ${V2V_OPTIMUM_MS} ms optimum` };
  if (p50 <= V2V_TARGET_MS) return { held: true, text: `within the ${V2V_TARGET_MS} ms target` };
  return { held: false, text: `${ms(p50 - V2V_TARGET_MS)} ms over the ${V2V_TARGET_MS} ms target` };
}

/** A gate's measured value with its unit: `812.3 ms`, `0.0 %`, or why there is none. */
export function gateMeasured(outcome: GateOutcome): string {
  if (outcome.measured === undefined) return outcome.reason ?? 'no samples';
  return outcome.unit === '%' ? `${outcome.measured.toFixed(1)} %` : `${outcome.measured.toFixed(1)} ms`;
}

/** `< 800 ms`, `< 1 %`. */
export function gateThreshold(outcome: GateOutcome): string {
  return `${outcome.op} ${outcome.threshold} ${outcome.unit}`;
}

/** One sentence per failed gate: what, where, measured against what. */
export function gateFailure(outcome: GateOutcome): string {
  return `gate ${outcome.gate} failed on ${outcome.transport}: ${outcome.metric} ${gateMeasured(outcome)}, needs ${gateThreshold(outcome)}`;
}

/** "all 3 gates held" / "1 of 3 gates failed"; undefined when there are none. */
export function gateVerdict(outcomes: readonly GateOutcome[] | undefined): { held: boolean; text: string } | undefined {
  if (!outcomes || outcomes.length === 0) return undefined;
  const failed = outcomes.filter((outcome) => !outcome.held).length;
  const total = outcomes.length;
  return failed === 0 ? { held: true, text: `all ${total} gate check${total === 1 ? '' : 's'} held` } : { held: false, text: `${failed} of ${total} gate check${total === 1 ? '' : 's'} failed` };
}
