import { resolve } from 'node:path';
import { Command } from 'commander';
import { readResultFile } from '../report/read-result.js';
import { mergeResults } from '../report/merge.js';
import { writeResultFile } from '../report/result-files.js';
import { InputError } from '../errors.js';

/** `voicebench merge`: shards of one benchmark into one result, histograms added exactly. */
export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge the result.json files of shards of one benchmark (same scenario and settings; seeds may differ) into one, as if one run had measured every turn')
    .argument('<results...>', 'two or more result.json files')
    .requiredOption('-o, --output <file>', 'where the merged result.json goes')
    .addHelpText(
      'after',
      `
The histograms are added exactly: the merged percentiles are those of one histogram holding
every turn's value. Results of different scenarios, profiles, providers, networks or span
tables are refused (use voicebench compare to put them side by side).

Examples:
  voicebench merge shard-*/result.json -o merged.json
  voicebench report merged.json --reporter html --out merged/

Exit codes: 0 merged, 2 bad usage or results that cannot be merged, 1 a bug.`,
    )
    .action(async (files: string[], options: { output: string }) => {
      const output = resolve(options.output);
      if (files.some((file) => resolve(file) === output)) throw new InputError(`-o ${options.output} is one of the inputs; merging would overwrite it`, { hint: 'write the merge to a new file, e.g. -o merged.json' });
      const shards = [];
      for (const file of files) shards.push({ file, result: await readResultFile(file) });
      const merged = mergeResults(shards);
      await writeResultFile(output, merged);
      const perTransport = merged.config.transports.map((name) => `${name} ${merged.transports[name]?.turns ?? 0}`).join(', ');
      process.stdout.write(`merged ${shards.length} results (turns: ${perTransport}) into ${output}\n`);
      if (!merged.complete) process.stderr.write('voicebench: note: at least one shard was interrupted; the merge holds what they measured and is marked incomplete\n');
    });
}
