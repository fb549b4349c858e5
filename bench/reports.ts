import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransportResults } from '../src/run/transport-results.js';
import { writeResultFile } from '../src/report/result-files.js';
import { readResultFile } from '../src/report/read-result.js';
import { render } from '../src/report/reporters.js';
import { buildComparison } from '../src/report/compare/comparison.js';
import { mergeResults } from '../src/report/merge.js';
import { evaluateGates, parseGate } from '../src/metrics/gates.js';
import type { RunResult, TurnRecord } from '../src/report/result.js';
/** Rounded to `digits` decimals. */
function rounded(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export interface ReportCostRow {
  turnsPerTransport: number;
  resultJsonKiB: number;
  /** What the runner does after every turn at this size: the transport's summary, and result.json rewritten. */
  perTurnSummaryMs: number;
  perTurnRewriteMs: number;
  readMs: number;
  tableMs: number;
  markdownMs: number;
  junitMs: number;
  htmlMs: number;
  htmlKiB: number;
  compareMs: number;
  mergeTwoHalvesMs: number;
}

/** A real run's turns (the wifi fixture: quickstart over rest, ws and webrtc), repeated to `turns` per transport and summarized as the runner does. */
function scaled(base: RunResult, turns: number, offset = 0): RunResult {
  const records: TurnRecord[] = [];
  const transports: RunResult['transports'] = {};
  for (const name of base.config.transports) {
    const own = base.turns.filter((turn) => turn.transport === name);
    const results = new TransportResults({ name, chunking: base.transports[name]?.chunking ?? 'full' });
    for (let index = 0; index < turns; index++) {
      const record = { ...(own[(index + offset) % own.length] as TurnRecord), turnIndex: index };
      results.add(record);
      records.push(record);
    }
    transports[name] = { ...results.summary(), ...(base.transports[name]?.rtp ? { rtp: base.transports[name]?.rtp } : {}) };
  }
  return { ...base, config: { ...base.config, turns }, transports, turns: records };
}

function timed<T>(work: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = work();
  return { value, ms: performance.now() - start };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** What results and reports cost as a run grows: size, the runner's per-turn bookkeeping, reading back, each reporter, compare and merge. */
export async function benchReports(sizes: readonly number[] = [9, 100, 1000]): Promise<ReportCostRow[]> {
  const base = JSON.parse(readFileSync(new URL('../test/fixtures/results/wifi.json', import.meta.url), 'utf8')) as RunResult;
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-bench-reports-'));
  const rows: ReportCostRow[] = [];
  try {
    for (const turns of sizes) {
      const result = scaled(base, turns);
      result.gates = evaluateGates([parseGate('p95(v2v) < 3000ms', result.config.transports), parseGate('rate(errors) < 1%', result.config.transports)], result.transports);
      const file = join(dir, `result-${turns}.json`);
      const ws = base.turns.filter((turn) => turn.transport === 'ws');
      const perTurn = new TransportResults({ name: 'ws', chunking: 'sentence' });
      for (let index = 0; index < turns - 1; index++) perTurn.add(ws[index % ws.length] as TurnRecord);
      perTurn.add(ws[0] as TurnRecord);
      const summary = timed(() => perTurn.summary());
      const rewrite = await timedAsync(() => writeResultFile(file, result));
      const read = await timedAsync(() => readResultFile(file));
      const html = timed(() => render('html', read.value, { color: false }));
      const other = scaled(base, turns, 1);
      const [first, second] = [scaled(base, Math.ceil(turns / 2)), scaled(base, Math.floor(turns / 2), 3)];
      rows.push({
        turnsPerTransport: turns,
        resultJsonKiB: rounded((await stat(file)).size / 1024, 0),
        perTurnSummaryMs: rounded(summary.ms, 1),
        perTurnRewriteMs: rounded(rewrite.ms, 1),
        readMs: rounded(read.ms, 1),
        tableMs: rounded(timed(() => render('table', read.value, { color: false })).ms, 1),
        markdownMs: rounded(timed(() => render('markdown', read.value, { color: false })).ms, 1),
        junitMs: rounded(timed(() => render('junit', read.value, { color: false })).ms, 1),
        htmlMs: rounded(html.ms, 1),
        htmlKiB: rounded(Buffer.byteLength(html.value) / 1024, 0),
        compareMs: rounded(timed(() => buildComparison([{ label: 'a', result }, { label: 'b', result: other }], { regressionThreshold: 0.05 })).ms, 1),
        mergeTwoHalvesMs: rounded(timed(() => mergeResults([{ file: 'a', result: first }, { file: 'b', result: second }])).ms, 1),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
