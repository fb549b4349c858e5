import junitModule, { type Builder } from 'junit-report-builder';
import type { RunResult } from './result.js';
import { gateFailure, gateMeasured, gateThreshold } from './format.js';

/**
 * The JUnit reporter: one test case per gate and transport, so CI systems that read JUnit XML
 * (GitLab, Jenkins, Buildkite, GitHub test-report actions) list each gate as a passed or failed
 * test. A run without gates is an empty suite. Pure: result in, XML out.
 */
// A CommonJS package: Node gives its module.exports (the builder) as the default import; the types describe an ES module.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

export function renderJunit(result: RunResult): string {
  const builder = junit.newBuilder().name('voicebench');
  const suite = builder.testSuite().name(`voicebench gates (${result.config.scenario})`);
  suite.property('scenario', result.config.scenario);
  suite.property('profile', result.config.profile);
  suite.property('network', result.config.network.name);
  suite.property('seed', String(result.config.seed));
  suite.property('voicebench', result.tool.version);
  if (result.finishedAt) suite.timestamp(result.finishedAt);
  for (const outcome of result.gates ?? []) {
    const testCase = suite
      .testCase()
      .className(`voicebench.gates.${outcome.transport}`)
      .name(`${outcome.gate} [${outcome.transport}]`)
      .standardOutput(`${outcome.metric} on ${outcome.transport}: ${gateMeasured(outcome)} (needs ${gateThreshold(outcome)}, ${outcome.samples} samples)`);
    if (!outcome.held) testCase.failure(gateFailure(outcome), 'GateFailed');
  }
  return `${builder.build()}\n`;
}
