import type { z } from 'zod';

/**
 * Errors that reach a user. Each carries a hint that says how to fix the problem; `src/cli/`
 * maps each class to one exit code (DESIGN.md §6) and prints `message` and `hint`, never a
 * stack trace.
 */
export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

export abstract class VoicebenchError extends Error {
  readonly hint: string | undefined;
  abstract readonly exitCode: number;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** Bad usage or invalid input (option, scenario, WAV, corpus): exit 2. */
export class InputError extends VoicebenchError {
  readonly exitCode = 2;
}

/** The run could not complete (agent unreachable, provider failing), or a column measured no turn: exit 3, partial results kept. */
export const RUN_FAILED_EXIT_CODE = 3;

export class RunError extends VoicebenchError {
  readonly exitCode = RUN_FAILED_EXIT_CODE;
}

/** A transport failed to move audio or events; fails the turn it happened in. */
export class TransportError extends VoicebenchError {
  readonly exitCode = 3;
}

/** The run (or a re-read result, or a comparison) finished and a gate failed: exit 99, after every report is written (DESIGN.md §6). */
export const GATE_FAILED_EXIT_CODE = 99;

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Every schema issue as `<prefix><path>: <message>`, all of them, `; `-joined; `root` names an issue about the whole value. */
export function describeZodIssues(error: z.ZodError, prefix: string, root: string): string {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || root}: ${issue.message}`).join('; ');
}
