/** The three stages a provider can fail in. */
export type ProviderStage = 'stt' | 'llm' | 'tts';

/**
 * Why a provider request failed, as a report groups it: `rate_limited` (429), `server_error`
 * (5xx), `rejected` (other 4xx: a bad key, an unknown model), `timeout` (no answer within the
 * stage's timeout), `stalled` (a stream stopped mid-way), `connection` (refused, reset, dropped),
 * `bad_response` (an answer that cannot be used).
 */
export type ProviderErrorClass = 'rate_limited' | 'server_error' | 'rejected' | 'timeout' | 'stalled' | 'connection' | 'bad_response';

/** A stage that failed after its retries: fails the turn it happened in, and the run goes on. */
export class ProviderError extends Error {
  constructor(
    readonly stage: ProviderStage,
    readonly errorClass: ProviderErrorClass,
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${stage}: ${errorClass}: ${message}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`, options);
    this.name = 'ProviderError';
  }
}

/** What providers report about their requests, per turn: retries, and stages whose request opened a new connection. */
export class ProviderStats {
  #retries: Record<ProviderStage, number> = { stt: 0, llm: 0, tts: 0 };
  #newConnections = new Set<ProviderStage>();

  retried(stage: ProviderStage): void {
    this.#retries[stage]++;
  }

  connected(stage: ProviderStage, newConnection: boolean): void {
    if (newConnection) this.#newConnections.add(stage);
  }

  /** What happened since the last call (one turn). */
  takeTurn(): { retries: Record<ProviderStage, number>; coldStages: ProviderStage[] } {
    const turn = { retries: this.#retries, coldStages: [...this.#newConnections] };
    this.#retries = { stt: 0, llm: 0, tts: 0 };
    this.#newConnections = new Set();
    return turn;
  }
}
