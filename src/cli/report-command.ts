import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { readResultFile } from '../report/read-result.js';
import { parseReporters, REPORTER_NAMES, type ReporterRequest } from '../report/reporters.js';
import { writeReports } from '../report/result-files.js';
import { evaluateGates, gatesHeld } from '../metrics/gates.js';
import { gateFailure } from '../report/format.js';
import { GATE_FAILED_EXIT_CODE } from '../errors.js';
import { checkStdout, collectGate, resolveGates } from './gate-options.js';

interface ReportOptions {
  reporter: ReporterRequest[];
  out?: string;
  gate?: string[];
}

/** `voicebench report result.json`: a saved run through the reporters again, optionally against new gates. */
export function reportCommand(): Command {
  return new Command('report')
    .description('render a saved result.json again (any reporter), and check it against gates without rerunning')
    .argument('<result>', 'a result.json written by voicebench run (or merge)')
    .addOption(new Option('--reporter <list>', `reports to write: ${REPORTER_NAMES.join(', ')}; NAME:FILE writes one to a file, NAME:- to stdout`).argParser(parseReporters).default([{ name: 'table' }], 'table'))
    .option('--out <dir>', 'where file reports (report.html, report.md, junit.xml) go; default: the result file\'s directory')
    .option('--gate <expression>', 'check the saved run against this gate instead of the gates it ran with, e.g. "p95(v2v) < 800ms"; repeat for several', collectGate)
    .addHelpText(
      'after',
      `
Examples:
  voicebench report reports/2026-11-30T10-00-00-000Z/result.json --reporter html     # writes report.html next to it
  voicebench report merged.json --reporter markdown:-                                # markdown to stdout
  voicebench report result.json --gate "p95(v2v){transport=ws} < 1200ms"           # exit 99 if it does not hold

Exit codes: 0 every gate held (or none), 2 bad usage or input, 99 a gate failed (every report is written first), 1 a bug.`,
    )
    .action(async (file: string, options: ReportOptions) => {
      checkStdout(options.reporter);
      const result = await readResultFile(file);
      if (options.gate && options.gate.length > 0) {
        const gates = resolveGates(options.gate, { gates: undefined, source: file }, { transports: result.config.transports, targets: (result.config.targets ?? []).map((target) => target.name) });
        result.config = { ...result.config, gates: gates.map((gate) => gate.source) };
        result.gates = evaluateGates(gates, result.transports);
      }
      const dir = options.out ? resolve(options.out) : dirname(resolve(file));
      const written = await writeReports(result, options.reporter, dir, { stdout: process.stdout, stderr: process.stderr, env: process.env, color: process.stdout.isTTY === true });
      if (written.length > 0) process.stderr.write(`reports: ${written.join('\n         ')}\n`);
      const outcomes = result.gates ?? [];
      for (const outcome of outcomes.filter((gate) => !gate.held)) process.stderr.write(`voicebench: ${gateFailure(outcome)}\n`);
      if (!gatesHeld(outcomes)) process.exitCode = GATE_FAILED_EXIT_CODE;
    });
}
