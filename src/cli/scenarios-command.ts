import { Command } from 'commander';
import { listBuiltinScenarios } from '../scenarios/builtin.js';
import { checkScenario } from '../scenarios/scenario-check.js';
import { displayPath } from '../scenarios/utterance-resolver.js';
import { describeScenarioSize } from './scenario-size.js';

const WRAP_COLUMNS = 96;

/** `text` in lines of at most `columns` characters (longer words stay whole), each indented. */
function wrap(text: string, indent: string, columns = WRAP_COLUMNS): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((word) => word !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > columns) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** `voicebench scenarios`: the built-in scenarios, what each plays and where its file is. */
export function scenariosCommand(): Command {
  return new Command('scenarios')
    .description('list the built-in scenarios: name, what each exercises, turns and barge-ins, file')
    .addHelpText(
      'after',
      `
Examples:
  voicebench scenarios                          # the list
  voicebench run --scenario barge-in            # run one
  voicebench validate my-scenario.yaml          # check your own (format: docs/scenarios.md)`,
    )
    .action(async () => {
      const out: string[] = [];
      for (const builtin of await listBuiltinScenarios()) {
        const file = displayPath(builtin.file);
        const checked = await checkScenario({ file: builtin.file, shown: file, source: `built-in ${builtin.name}` }, {});
        if (checked.scenario === undefined) throw new Error(`built-in scenario ${builtin.name} does not load:\n${checked.problems.join('\n')}`);
        const transports = checked.scenario.settings.transports?.join(', ') ?? 'rest';
        out.push(`${builtin.name}  ${describeScenarioSize(checked.scenario)} · ${transports} · ${file}`, ...wrap(builtin.description, '  '), '');
      }
      out.push('run one with: voicebench run --scenario NAME · write your own: docs/scenarios.md');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
