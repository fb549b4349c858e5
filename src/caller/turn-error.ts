/** Where in a turn something failed; a failed turn is recorded with this and the run goes on. */
export type TurnStage = 'endpointing' | 'transport' | 'agent' | 'playback';

export class TurnError extends Error {
  constructor(
    readonly stage: TurnStage,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TurnError';
  }
}
