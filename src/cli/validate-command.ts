import { Command } from 'commander';
import { InputError } from '../errors.js';
import { resolveScenarioRef } from '../scenarios/builtin.js';
import { checkScenario } from '../scenarios/scenario-check.js';
import { describeScenarioSize } from './scenario-size.js';

interface ValidateOptions {
  corpus?: string;
}

/** `voicebench validate FILE...`: checks scenario files without running them; every problem of every file, exit 2 if any is invalid. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check scenario files (YAML or JSON) without running them: every problem of every file, each with its key path')
    .argument('<files...>', 'scenario files, or built-in scenario names')
    .option('--corpus <dir>', 'look utterance ids up in this directory instead of the scenario\'s corpus, as run --corpus does')
    .addHelpText(
      'after',
      `
Examples:
  voicebench validate my-scenario.yaml             # ok, or every problem with its path
  voicebench validate scenarios/*.yaml             # several files at once
  voicebench validate barge-in                     # a built-in scenario (voicebench scenarios lists them)
  voicebench validate my.yaml --corpus ./my-wavs   # ids looked up in your corpus

Each problem reads <file>: <key path>: <what is wrong>, e.g.
  my.yaml: turns[1].bargeIn.afterBotAudioMs: expected a number ≥ 0, got "soon"
The format is described in docs/scenarios.md; schemas/scenario.schema.json gives editors completion.

Exit codes: 0 every file is valid, 2 a file is invalid or missing.`,
    )
    .action(async (refs: string[], options: ValidateOptions) => {
      let invalid = 0;
      for (const ref of refs) {
        let target;
        try {
          target = await resolveScenarioRef(ref);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          process.stderr.write(`${err.message}\n${err.hint === undefined ? '' : `  hint: ${err.hint}\n`}`);
          invalid += 1;
          continue;
        }
        const checked = await checkScenario(target, options.corpus === undefined ? {} : { corpusDir: options.corpus });
        if (checked.scenario !== undefined) {
          process.stdout.write(`ok  ${target.shown} (${describeScenarioSize(checked.scenario)})\n`);
        } else {
          for (const problem of checked.problems) process.stderr.write(`${problem}\n`);
          invalid += 1;
        }
      }
      if (invalid > 0) {
        throw new InputError(`${invalid} of ${refs.length} scenario file${refs.length === 1 ? '' : 's'} ${invalid === 1 ? 'is' : 'are'} invalid`, {
          hint: 'fix the problems listed above; every key is described in docs/scenarios.md',
        });
      }
    });
}
