/**
 * Where in a turn something failed; a failed turn is recorded with this and the run goes on.
 * `no_answer`: a target played nothing audible within its answer timeout.
 */
export type TurnStage = 'endpointing' | 'transport' | 'agent' | 'playback' | 'stt' | 'llm' | 'tts' | 'no_answer';

/** A stage name from the agent's side (an error event, an error body), as a TurnStage: a provider stage, else `agent`. */
export function agentStage(stage: string | undefined): TurnStage {
  return stage === 'stt' || stage === 'llm' || stage === 'tts' ? stage : 'agent';
}

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
