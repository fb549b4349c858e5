import { basename, dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readResultFile } from '../report/read-result.js';
import { buildComparison, DEFAULT_ALPHA, DEFAULT_REGRESSION_SPANS } from '../report/compare/comparison.js';
import { TURN_SPAN_NAMES, type TurnSpanName } from '../report/turn-samples.js';
import { parseAlpha, parsePercent, parseTurnSpans } from './options.js';
import { renderCompareTable } from '../report/compare/compare-table.js';
import { renderCompareMarkdown } from '../report/compare/compare-markdown.js';
import { renderCompareHtml } from '../report/compare/compare-html.js';
import { regressionSummary } from '../report/compare/compare-format.js';
import { writeTextFile } from '../report/result-files.js';
import { GATE_FAILED_EXIT_CODE, InputError } from '../errors.js';

const COMPARE_REPORTERS = ['table', 'markdown', 'html'] as const;
type CompareReporter = (typeof COMPARE_REPORTERS)[number];

interface CompareOptions {
  reporter: CompareReporter[];
  out?: string;
  label?: string[];
  failOnRegression?: number;
  regressionSpans: TurnSpanName[];
  alpha: number;
}

function parseCompareReporters(value: string): CompareReporter[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(COMPARE_REPORTERS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`unknown reporter ${unknown.map((name) => `"${name}"`).join(', ') || '""'}; compare writes: ${COMPARE_REPORTERS.join(', ')}`);
  return [...new Set(names)] as CompareReporter[];
}

/** Labels default to the file names, made unique with their directory when two share a name. */
function labelsFor(files: readonly string[], given: readonly string[] | undefined): string[] {
  if (given) {
    if (given.length !== files.length) throw new InputError(`--label gives ${given.length} label${given.length === 1 ? '' : 's'} for ${files.length} results`, { hint: 'one label per result, comma-separated, in the same order: --label before,after' });
    return [...given];
  }
  const names = files.map((file) => basename(file));
  return files.map((file, index) => (names.filter((name) => name === names[index]).length > 1 ? join(basename(dirname(resolve(file))), basename(file)) : (names[index] as string)));
}

/** `voicebench compare`: runs side by side, span by span, with a test of whether each difference is real. */
export function compareCommand(): Command {
  return new Command('compare')
    .description('put saved runs side by side, span by span and transport by transport: deltas of p50 and p95, and whether each difference is statistically meaningful (Mann–Whitney U on the per-turn samples, bootstrap interval of Δp95)')
    .argument('<baseline>', 'the result.json the others are compared with')
    .argument('<results...>', 'one or more result.json files to compare with the baseline')
    .addOption(new Option('--reporter <list>', `what to write: ${COMPARE_REPORTERS.join(', ')} (table to stdout; markdown to stdout, or DIR/compare.md with --out; html to DIR/compare.html)`).argParser(parseCompareReporters).default(['table'], 'table'))
    .option('--out <dir>', 'where compare.md and compare.html go; default: the current directory (markdown goes to stdout without --out)')
    .option('--label <list>', 'names for the results in the report, comma-separated in order (default: the file names)', (value: string) => value.split(',').map((label) => label.trim()))
    .option('--fail-on-regression <percent>', 'exit 99 when a result is slower than the baseline by more than this (p50 or p95 of a regression span, on any transport) and the difference is significant, e.g. 5%', parsePercent)
    .option('--regression-spans <list>', `the spans --fail-on-regression judges, comma-separated, on every transport (${TURN_SPAN_NAMES.join(', ')}); the evidence is corrected for how many rows that makes (docs/compare.md)`, parseTurnSpans, [...DEFAULT_REGRESSION_SPANS])
    .option('--alpha <level>', 'significance level of the tests', parseAlpha, DEFAULT_ALPHA)
    .addHelpText(
      'after',
      `
The method (docs/compare.md): per transport and span, the per-turn samples of each result are
compared with the baseline's by a two-sided Mann–Whitney U test (a difference is meaningful when
p < alpha), and a seeded bootstrap gives a 95 % interval for the difference of p95. With
--fail-on-regression P, a regression span (v2v unless --regression-spans says otherwise) regresses
when its p50 is more than P slower and the U test, Holm-corrected across the judged rows, says
the candidate is slower, or its p95 is more than P slower and the whole (Bonferroni-corrected)
p95 interval is above 0.

Examples:
  voicebench compare vendor-a/result.json vendor-b/result.json
  voicebench compare main.json pr.json --fail-on-regression 5%          # CI: exit 99 on a real slowdown
  voicebench compare a.json b.json c.json --reporter table,html --out cmp/ --label groq,openai,local

Exit codes: 0 compared (and no regression beyond --fail-on-regression), 2 bad usage or results that cannot be compared, 99 a regression, 1 a bug.`,
    )
    .action(async (baseline: string, others: string[], options: CompareOptions) => {
      const files = [baseline, ...others];
      const labels = labelsFor(files, options.label);
      const inputs = [];
      for (const [index, file] of files.entries()) inputs.push({ label: labels[index] as string, result: await readResultFile(file) });
      const comparison = buildComparison(inputs, { alpha: options.alpha, regressionSpans: options.regressionSpans, ...(options.failOnRegression === undefined ? {} : { regressionThreshold: options.failOnRegression }) });
      const dir = resolve(options.out ?? '.');
      const written: string[] = [];
      for (const reporter of options.reporter) {
        if (reporter === 'table') process.stdout.write(renderCompareTable(comparison, { color: process.stdout.isTTY === true }));
        else if (reporter === 'markdown' && options.out === undefined) process.stdout.write(renderCompareMarkdown(comparison));
        else {
          const file = join(dir, reporter === 'markdown' ? 'compare.md' : 'compare.html');
          await writeTextFile(file, reporter === 'markdown' ? renderCompareMarkdown(comparison) : renderCompareHtml(comparison));
          written.push(file);
        }
      }
      if (written.length > 0) process.stderr.write(`reports: ${written.join('\n         ')}\n`);
      const summary = regressionSummary(comparison);
      if (options.failOnRegression !== undefined && comparison.regression) {
        process.stderr.write(`voicebench: ${summary ?? 'a regression'} (more than ${(options.failOnRegression * 100).toFixed(1).replace(/\.0$/, '')}% slower, significant)\n`);
        process.exitCode = GATE_FAILED_EXIT_CODE;
      }
    });
}
