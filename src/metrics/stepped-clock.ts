import type { Clock } from './clock.js';

/**
 * A clock where sleeping only moves time forward: schedules built on it (pacing, provider
 * latencies) can be checked exactly, with no real waiting. For tests and simulation.
 */
export class SteppedClock implements Clock {
  constructor(public nowMsValue = 0) {}

  nowMs(): number {
    return this.nowMsValue;
  }

  async sleepUntil(targetMs: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.nowMsValue = Math.max(this.nowMsValue, targetMs);
  }

  sleep(durationMs: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.nowMsValue + durationMs, signal);
  }
}
