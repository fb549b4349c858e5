import type { Clock } from './clock.js';
import { isMarkName, type MarkName, type MarkRecord } from './marks.js';

/**
 * The named instants of one turn, in monotonic milliseconds on the host's clock. A mark is
 * taken once: the first instant wins, so "first audio" cannot be overwritten by later audio.
 */
export class Timeline {
  readonly #marks = new Map<MarkName, number>();

  constructor(private readonly clock: Clock) {}

  /** Marks `name` now, or at `atMs` when the instant is known exactly (e.g. a scheduled send). */
  mark(name: MarkName, atMs: number = this.clock.nowMs()): number {
    const existing = this.#marks.get(name);
    if (existing !== undefined) return existing;
    this.#marks.set(name, atMs);
    return atMs;
  }

  /** The clock's now, for an instant that may become a mark later (`mark(name, atMs)`). */
  nowMs(): number {
    return this.clock.nowMs();
  }

  get(name: MarkName): number | undefined {
    return this.#marks.get(name);
  }

  has(name: MarkName): boolean {
    return this.#marks.has(name);
  }

  /** Adopts marks taken elsewhere on the same host clock (e.g. the agent's, carried in a response). */
  merge(marks: Readonly<Record<string, number>>): void {
    for (const [name, atMs] of Object.entries(marks)) {
      if (isMarkName(name) && Number.isFinite(atMs)) this.mark(name, atMs);
    }
  }

  /** Marks relative to `anchor` (or the earliest mark when the turn has no anchor), µs-rounded. */
  toRelativeRecord(anchor: MarkName): MarkRecord {
    const originMs = this.#marks.get(anchor) ?? Math.min(...this.#marks.values());
    return Object.fromEntries([...this.#marks].map(([name, atMs]) => [name, Math.round((atMs - originMs) * 1000) / 1000])) as MarkRecord;
  }

  toRecord(): MarkRecord {
    return Object.fromEntries(this.#marks) as MarkRecord;
  }
}
