import { InvalidArgumentError } from 'commander';
import { closest } from 'fastest-levenshtein';
import type { RunResult } from './result.js';
import { renderTable } from './table.js';
import { renderMarkdown } from './markdown.js';
import { renderJunit } from './junit.js';
import { renderGithub } from './github.js';
import { renderHtmlReport } from './html/html-report.js';

/**
 * The reporters a run (or `voicebench report`) can produce. Each turns a result into bytes; where
 * the bytes go is chosen here and written by ResultFiles (src/report/result-files.ts).
 */
export const REPORTERS = {
  table: { to: 'stdout', what: 'the terminal table (stdout)' },
  json: { to: 'stdout', what: 'result.json itself (stdout; result.json is always written to the out directory too)' },
  markdown: { to: 'report.md', what: 'GitHub-flavoured markdown for a pull-request comment (DIR/report.md)' },
  junit: { to: 'junit.xml', what: 'JUnit XML, one test case per gate and transport (DIR/junit.xml)' },
  github: { to: 'github', what: 'GitHub Actions: the markdown appended to $GITHUB_STEP_SUMMARY and an ::error annotation per failed gate' },
  html: { to: 'report.html', what: 'one self-contained HTML page with charts (DIR/report.html)' },
} as const;

export type ReporterName = keyof typeof REPORTERS;
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

/** A reporter and where its output goes: stdout, a file, or its default (`undefined`). */
export interface ReporterRequest {
  name: ReporterName;
  /** `-` for stdout, else a file path as given; undefined: the reporter's default. */
  to?: string;
}

function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** `table,html`, `markdown:-` (to stdout), `junit:ci/junit.xml` (to a file). Commander option parser. */
export function parseReporters(value: string): ReporterRequest[] {
  const requests: ReporterRequest[] = [];
  const problems: string[] = [];
  for (const item of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const colon = item.indexOf(':');
    const name = colon < 0 ? item : item.slice(0, colon);
    const to = colon < 0 ? undefined : item.slice(colon + 1);
    if (!isReporterName(name)) {
      problems.push(`unknown reporter "${name}"; did you mean "${closest(name, REPORTER_NAMES)}"?`);
      continue;
    }
    if (to === '') problems.push(`"${item}": give a file after the colon, or - for stdout`);
    else if (name === 'github' && to !== undefined) problems.push('the github reporter writes to $GITHUB_STEP_SUMMARY and stdout; it takes no destination');
    else if (requests.some((request) => request.name === name)) problems.push(`"${name}" is listed twice`);
    else requests.push({ name, ...(to === undefined ? {} : { to }) });
  }
  if (requests.length === 0 && problems.length === 0) problems.push('no reporter given');
  if (problems.length > 0) throw new InvalidArgumentError(`${problems.join('; ')}. Reporters: ${REPORTER_NAMES.join(', ')}; add :FILE or :- to choose where one writes`);
  return requests;
}

/** Where a request writes: 'stdout', 'github', or a file (relative to `dir` unless absolute or given with a path). */
export function destination(request: ReporterRequest): 'stdout' | 'github' | { file: string; inDir: boolean } {
  const to = request.to ?? REPORTERS[request.name].to;
  if (to === '-' || to === 'stdout') return 'stdout';
  if (to === 'github') return 'github';
  return { file: to, inDir: request.to === undefined };
}

export interface RenderOptions {
  color: boolean;
}

/** The bytes of one reporter. */
export function render(name: Exclude<ReporterName, 'github'>, result: RunResult, options: RenderOptions): string {
  switch (name) {
    case 'table':
      return renderTable(result, { color: options.color });
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(result);
    case 'junit':
      return renderJunit(result);
    case 'html':
      return renderHtmlReport(result);
  }
}

export { renderGithub };
