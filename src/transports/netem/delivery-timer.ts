import type { Clock } from '../../metrics/clock.js';

/**
 * setTimeout wakes up to a couple of milliseconds late; the last stretch before a delivery is covered
 * by yielding with setImmediate, so packets leave within ~0.1 ms of their time while I/O flows.
 */
const TIMER_SLACK_MS = 2;

interface Pending {
  atMs: number;
  run: () => void;
}

/** Runs a callback at an instant on the clock. */
export interface Scheduler {
  schedule(atMs: number, run: () => void): void;
}

/**
 * Runs callbacks at instants on the clock, in time order (ties in the order scheduled), with one
 * timer for the earliest. What is due when scheduled runs at once, synchronously.
 */
export class DeliveryTimer implements Scheduler {
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(private readonly clock: Clock) {}

  schedule(atMs: number, run: () => void): void {
    if (this.#closed) return;
    if (this.#pending.length === 0 && atMs <= this.clock.nowMs()) {
      run();
      return;
    }
    const entry = { atMs, run };
    let index = this.#pending.length;
    while (index > 0 && (this.#pending[index - 1] as Pending).atMs > atMs) index--;
    this.#pending.splice(index, 0, entry);
    if (index === 0) this.arm();
  }

  get size(): number {
    return this.#pending.length;
  }

  /** Drops what is pending. */
  close(): void {
    this.#closed = true;
    this.#pending = [];
    this.disarm();
  }

  private disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  private arm(): void {
    this.disarm();
    const next = this.#pending[0];
    if (!next) return;
    const remainingMs = next.atMs - this.clock.nowMs();
    if (remainingMs > TIMER_SLACK_MS) this.#timer = setTimeout(() => this.fire(), remainingMs - TIMER_SLACK_MS);
    else this.#immediate = setImmediate(() => this.fire());
  }

  private fire(): void {
    this.#timer = undefined;
    this.#immediate = undefined;
    const nowMs = this.clock.nowMs();
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).atMs <= nowMs) {
      (this.#pending.shift() as Pending).run();
    }
    this.arm();
  }
}
