import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, type ProviderErrorClass, type ProviderStage, type ProviderStats } from '../provider-error.js';

export interface RetryPolicy {
  /** A request must start answering (headers) within this; a stream must not go quiet longer. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx or a connection failure, before anything was received. */
  maxRetries: number;
}

/** Backoff when the server gives no Retry-After: 250 ms, 500 ms, 1 s, … capped at 8 s. */
const BASE_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8_000;
/** A Retry-After longer than this is not waited for: the attempt fails. */
const MAX_RETRY_AFTER_MS = 30_000;

class StageTimeout extends Error {}

/** A 404 from an OpenAI-compatible server is nearly always a base URL without its API version. */
export const NOT_FOUND_HINT = 'does the base URL end with the API version, e.g. /v1?';

function classify(err: unknown): { errorClass: ProviderErrorClass; retryable: boolean; retryAfterMs?: number; hint?: string } {
  if (err instanceof StageTimeout) return { errorClass: 'timeout', retryable: true };
  if (err instanceof APIUserAbortError) return { errorClass: 'timeout', retryable: true };
  if (err instanceof APIConnectionError) return { errorClass: 'connection', retryable: true };
  if (err instanceof APIError && err.status !== undefined) {
    const retryAfterMs = retryAfter(err.headers);
    if (err.status === 429) return { errorClass: 'rate_limited', retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (err.status >= 500) return { errorClass: 'server_error', retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    return { errorClass: 'rejected', retryable: false, ...(err.status === 404 ? { hint: NOT_FOUND_HINT } : {}) };
  }
  return { errorClass: 'bad_response', retryable: false };
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && headers?.get('retry-after-ms')) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const dateMs = Date.parse(value);
  return Number.isFinite(dateMs) ? Math.max(0, dateMs - new Date().valueOf()) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An attempt's signal: aborts with the caller's, or with a StageTimeout when `armTimeout`'s timer fires. */
export interface Attempt {
  signal: AbortSignal;
  /** (Re)starts the quiet-time timer: a stream calls it on every chunk. */
  armTimeout(): void;
  disarm(): void;
}

function attempt(parent: AbortSignal, timeoutMs: number, stage: ProviderStage): Attempt {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => clearTimeout(timer);
  return {
    signal: controller.signal,
    armTimeout: () => {
      disarm();
      timer = setTimeout(() => controller.abort(new StageTimeout(`${stage}: no answer within ${timeoutMs} ms`)), timeoutMs);
    },
    disarm: () => {
      disarm();
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs `call` until it succeeds, retrying 429s, 5xx and connection failures with backoff
 * (honouring Retry-After), each attempt bounded by the stage timeout. Every retry is counted in
 * `stats`. A call the caller aborted is not retried; what fails for good is a ProviderError.
 * `call` receives the attempt, and must disarm it once the answer is complete.
 */
export async function withRetries<T>(stage: ProviderStage, policy: RetryPolicy, signal: AbortSignal, stats: ProviderStats, call: (attempt: Attempt) => Promise<T>): Promise<T> {
  for (let attemptIndex = 0; ; attemptIndex++) {
    const current = attempt(signal, policy.timeoutMs, stage);
    current.armTimeout();
    try {
      return await call(current);
    } catch (err) {
      current.disarm();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      const cause = current.signal.aborted && current.signal.reason instanceof StageTimeout ? current.signal.reason : err;
      if (cause instanceof ProviderError) throw cause;
      const { errorClass, retryable, retryAfterMs, hint } = classify(cause);
      const waitMs = retryAfterMs ?? Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attemptIndex);
      if (!retryable || attemptIndex >= policy.maxRetries || waitMs > MAX_RETRY_AFTER_MS) {
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new ProviderError(stage, errorClass, hint === undefined ? message : `${message} (${hint})`, attemptIndex + 1, { cause });
      }
      stats.retried(stage);
      await sleep(waitMs, signal);
    }
  }
}

/** Fails a stream that went quiet mid-way (after its first chunk, retrying would repeat it). */
export function stalled(stage: ProviderStage, timeoutMs: number, attempts: number, cause: unknown): ProviderError {
  return new ProviderError(stage, 'stalled', `the stream went quiet for ${timeoutMs} ms`, attempts, { cause });
}
