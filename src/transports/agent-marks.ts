import { AGENT_MARKS, type MarkName } from '../metrics/marks.js';

const AGENT_MARK_SET: ReadonlySet<string> = new Set<MarkName>(AGENT_MARKS);

/** Only the agent's own marks are taken from what it reports; the caller's are never overwritten. */
export function agentMarksOnly(reported: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(Object.entries(reported).filter((entry): entry is [string, number] => AGENT_MARK_SET.has(entry[0]) && typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}
