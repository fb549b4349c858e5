/**
 * The one source of time for intervals (DESIGN.md §1). `nowMs()` is monotonic with
 * microsecond resolution; `Date.now()` is only ever a label.
 */
export interface Clock {
  /** Monotonic milliseconds, sub-millisecond resolution. Comparable across processes on one host. */
  nowMs(): number;
  /** Resolves at `targetMs` on this clock (or at once if it has passed); rejects with the signal's reason. */
  sleepUntil(targetMs: number, signal?: AbortSignal): Promise<void>;
  sleep(durationMs: number, signal?: AbortSignal): Promise<void>;
}

/**
 * setTimeout fires up to a few milliseconds late; the last stretch before a target is covered
 * by yielding with setImmediate, so sleeps land within ~0.1 ms while I/O keeps flowing.
 */
const TIMER_SLACK_MS = 2;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

export class SystemClock implements Clock {
  nowMs(): number {
    // process.hrtime is shared by every process on the host (CLOCK_MONOTONIC), unlike performance.now().
    return Number(process.hrtime.bigint() / 1000n) / 1000;
  }

  sleep(durationMs: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.nowMs() + durationMs, signal);
  }

  sleepUntil(targetMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      const onAbort = (): void => {
        if (timer) clearTimeout(timer);
        if (immediate) clearImmediate(immediate);
        reject(abortReason(signal as AbortSignal));
      };
      const finish = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const step = (): void => {
        timer = undefined;
        immediate = undefined;
        const remainingMs = targetMs - this.nowMs();
        if (remainingMs <= 0) finish();
        else if (remainingMs > TIMER_SLACK_MS) timer = setTimeout(step, remainingMs - TIMER_SLACK_MS);
        else immediate = setImmediate(step);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      step();
    });
  }
}

export const systemClock: Clock = new SystemClock();
