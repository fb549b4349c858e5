import { Command, CommanderError } from 'commander';
import { VoicebenchError } from '../errors.js';
import { redactSecrets } from '../config/redact.js';
import { TOOL_VERSION } from '../version.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';
import { scenariosCommand } from './scenarios-command.js';
import { validateCommand } from './validate-command.js';
import { reportCommand } from './report-command.js';
import { compareCommand } from './compare-command.js';
import { mergeCommand } from './merge-command.js';

/**
 * The only place that parses argv and turns errors into exit codes (DESIGN.md §6):
 * 0 ran, 1 a bug, 2 bad usage or input, 3 could not complete, 99 a gate failed.
 */
export function program(): Command {
  return new Command('voicebench')
    .description('Measures how fast voice AI agents answer: how long after a caller stops speaking the agent starts answering, and where that time goes.')
    .version(TOOL_VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(runCommand().exitOverride())
    .addCommand(serveCommand().exitOverride())
    .addCommand(scenariosCommand().exitOverride())
    .addCommand(validateCommand().exitOverride())
    .addCommand(reportCommand().exitOverride())
    .addCommand(compareCommand().exitOverride())
    .addCommand(mergeCommand().exitOverride());
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version exit 0; everything else commander rejects is bad usage
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof VoicebenchError) {
    process.stderr.write(redactSecrets(`voicebench: ${err.message}\n`, process.env));
    if (err.hint) process.stderr.write(redactSecrets(`  hint: ${err.hint}\n`, process.env));
    return err.exitCode;
  }
  const message = redactSecrets(err instanceof Error ? err.message : String(err), process.env);
  process.stderr.write(`voicebench: internal error: ${message}\n  this is a bug: please report it with the command you ran${process.env['VOICEBENCH_DEBUG'] ? '' : ' (set VOICEBENCH_DEBUG=1 for details)'}\n`);
  if (process.env['VOICEBENCH_DEBUG'] && err instanceof Error) process.stderr.write(redactSecrets(`${err.stack ?? ''}\n`, process.env));
  return 1;
}

/** Parses `argv` (node, script, args…) and runs the command; the exit code, for main or a test. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err);
  }
}

