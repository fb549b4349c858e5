import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunResult, TurnRecord } from './result.js';
import { destination, render, renderGithub, type ReporterRequest } from './reporters.js';

/**
 * The one place run output is written (STYLE.md, after hyperfine): `turns.jsonl` gets a line
 * as each turn finishes and `result.json` is rewritten atomically after it, so a crash or
 * Ctrl-C keeps everything already measured.
 */
export class ResultFiles {
  constructor(readonly dir: string) {}

  get resultPath(): string {
    return join(this.dir, 'result.json');
  }

  get turnsPath(): string {
    return join(this.dir, 'turns.jsonl');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.turnsPath, '');
  }

  async appendTurn(record: TurnRecord): Promise<void> {
    await appendFile(this.turnsPath, `${JSON.stringify(record)}\n`);
  }

  async writeResult(result: RunResult): Promise<void> {
    await writeResultFile(this.resultPath, result);
  }
}

export interface ReportSinks {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  color: boolean;
}

/** A result as JSON (merge's output, a run's result.json), replaced atomically. */
export async function writeResultFile(file: string, result: RunResult): Promise<void> {
  await writeTextFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** A report file (or result.json), replaced atomically: a reader never sees half of it. */
export async function writeTextFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/**
 * Writes every requested report of a finished (or re-read) result: stdout reporters in the order
 * asked, file reporters to `dir` (their default names) or to the file given, github to
 * $GITHUB_STEP_SUMMARY. Returns the files written.
 */
export async function writeReports(result: RunResult, requests: readonly ReporterRequest[], dir: string, sinks: ReportSinks): Promise<string[]> {
  const written: string[] = [];
  for (const request of requests) {
    const to = destination(request);
    if (request.name === 'github') {
      const github = renderGithub(result);
      const summaryFile = sinks.env['GITHUB_STEP_SUMMARY'];
      if (summaryFile) {
        await appendFile(summaryFile, `${github.summary}\n`);
        written.push(summaryFile);
      } else {
        sinks.stderr.write('github reporter: $GITHUB_STEP_SUMMARY is not set (not running in GitHub Actions), so no job summary; annotations only\n');
      }
      sinks.stdout.write(github.annotations);
      continue;
    }
    const text = render(request.name, result, { color: sinks.color && to === 'stdout' });
    if (to === 'stdout') {
      sinks.stdout.write(text);
    } else if (to !== 'github') {
      const file = to.inDir ? join(dir, to.file) : resolve(to.file);
      await writeTextFile(file, text);
      written.push(file);
    }
  }
  return written;
}
