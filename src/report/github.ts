import type { RunResult } from './result.js';
import { gateFailure } from './format.js';
import { renderMarkdown } from './markdown.js';

/**
 * The GitHub Actions reporter: the markdown report for the job summary ($GITHUB_STEP_SUMMARY),
 * and an `::error` workflow command per failed gate, which GitHub shows as an annotation on the
 * run. Pure: result in, the two texts out; the CLI appends and prints them.
 */
export interface GithubReport {
  summary: string;
  /** Workflow commands, one per line, for stdout. */
  annotations: string;
}

/** Workflow command data: `%`, CR and LF are encoded (GitHub's escaping rules). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command property value additionally encodes `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGithub(result: RunResult): GithubReport {
  const annotations = (result.gates ?? [])
    .filter((outcome) => !outcome.held)
    .map((outcome) => `::error title=${escapeProperty(`voicebench gate failed: ${outcome.gate} [${outcome.transport}]`)}::${escapeData(gateFailure(outcome))}\n`)
    .join('');
  return { summary: renderMarkdown(result), annotations };
}
