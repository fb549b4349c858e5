import type { Delivery } from '../metrics/waterfall.js';
import type { ColumnName, RunConfig, RunResult, TransportResult } from './result.js';

/**
 * A run's columns: voicebench's own transports in order, then its targets. Every reporter,
 * gate, compare and merge walks them in this order.
 */
export function columnsOf(config: RunConfig): ColumnName[] {
  return [...config.transports, ...(config.targets ?? []).map((target) => target.name)];
}

/** The column's heading: a transport with its agent's chunking policy, a target with its protocol. */
export function columnLabel(name: ColumnName, result: TransportResult): string {
  if (result.target) return `${name} (${result.target.protocol})`;
  return result.chunking === undefined ? name : `${name} (${result.chunking})`;
}

/** Which critical path the column's waterfall walks (src/metrics/waterfall.ts). */
export function deliveryOf(name: ColumnName, result: TransportResult | undefined): Delivery {
  if (result?.target) return 'target';
  return name === 'rest' ? 'sequential' : 'streaming';
}

/** What sets a column apart in a report: its agent's chunking policy, or a target's protocol. */
export function columnKind(result: TransportResult): string {
  if (result.target) return `${result.target.protocol} target`;
  return result.chunking ?? '-';
}

/** The columns that measured something, in the run's order (transports, then targets), with their results. */
export function measuredColumns(result: RunResult): Array<[ColumnName, TransportResult]> {
  return columnsOf(result.config).flatMap((name): Array<[ColumnName, TransportResult]> => {
    const transport = result.transports[name];
    return transport ? [[name, transport]] : [];
  });
}
