import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { evaluateGates, parseGate } from '../src/metrics/gates.js';
import { SPAN_NAMES } from '../src/metrics/spans.js';
import { renderHtmlReport } from '../src/report/html/html-report.js';
import type { RunResult, TransportName } from '../src/report/result.js';

/**
 * The HTML report in a real headless Chromium: it loads from file:// with nothing fetched, no
 * error, the charts drawn with their data, and input that looks like markup stays text.
 */

const EXECUTABLE_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL_HINT = "install Debian's chromium: apt-get install -y chromium";
const MISSING = existsSync(EXECUTABLE_PATH) ? undefined : `${EXECUTABLE_PATH} not found; ${INSTALL_HINT}`;
const SCREENSHOT = resolve('reports/screenshots/html-report.png');

function load(name: string): RunResult {
  return JSON.parse(readFileSync(new URL(`fixtures/results/${name}.json`, import.meta.url), 'utf8')) as RunResult;
}

/** The barge-in fixture with gates evaluated, so every section of the page is there. */
function withGates(result: RunResult): RunResult {
  const names = Object.keys(result.transports);
  result.gates = evaluateGates([parseGate('p95(v2v) < 1500ms', names), parseGate('p99(bargein.detect) < 50ms', names)], result.transports);
  return result;
}

interface Loaded {
  page: Page;
  url: string;
  requests: string[];
  errors: string[];
}

if (MISSING && process.env.VOICEBENCH_REQUIRE_CHROMIUM === '1') {
  test('the HTML report in headless Chromium (VOICEBENCH_REQUIRE_CHROMIUM=1)', () => assert.fail(MISSING));
} else if (MISSING) {
  test('the HTML report in headless Chromium', { skip: MISSING }, () => {});
} else {
  describe('the HTML report in headless Chromium', browserTests);
}

function browserTests(): void {
  let browser: Browser;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'voicebench-html-'));
    // launch() starts Chromium on a fresh, empty temporary profile and deletes it on close
    browser = await chromium.launch({
      executablePath: EXECUTABLE_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes the report, opens it, and records every request and every error the page raised. */
  async function open(result: RunResult, name: string): Promise<Loaded> {
    const file = join(dir, `${name}.html`);
    await writeFile(file, renderHtmlReport(result));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });
    return { page, url, requests, errors };
  }

  function assertQuiet(loaded: Loaded): void {
    assert.deepEqual(loaded.errors, [], 'no console or page error (a CSP violation is a console error)');
    const foreign = loaded.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'));
    assert.deepEqual(foreign, [], 'nothing fetched from anywhere');
    assert.deepEqual(loaded.requests.filter((url) => url.startsWith('file:')), [loaded.url], 'the only file loaded is the report');
  }

  test('the barge-in run: charts hold their data, gates show their verdicts; screenshot', async (t) => {
    const result = withGates(load('barge-in'));
    const loaded = await open(result, 'barge-in');
    const { page } = loaded;
    try {
      assertQuiet(loaded);

      const series = await page.locator('svg.cdf path.cdf-series').evaluateAll((paths) =>
        paths.map((path) => {
          const box = path.getBBox();
          return { transport: path.getAttribute('data-transport'), samples: Number(path.getAttribute('data-samples')), width: box.width, height: box.height };
        }),
      );
      const transports = Object.keys(result.transports) as TransportName[];
      assert.deepEqual(series.map((one) => one.transport), transports, 'one CDF series per transport');
      for (const one of series) {
        const successful = result.turns.filter((turn) => turn.transport === one.transport && !turn.error).length;
        assert.equal(one.samples, successful, `${one.transport}: a point per successful turn`);
        assert.ok(one.width > 0 && one.height > 0, `${one.transport}: the line covers an area (${one.width} × ${one.height})`);
      }

      for (const name of transports) {
        const summaries = result.transports[name]?.spans ?? {};
        const bars = await page.locator(`figure.stage-chart[data-transport="${name}"] rect.bar`).evaluateAll((rects) =>
          rects.map((rect) => ({ span: rect.getAttribute('data-span'), stat: rect.getAttribute('data-stat'), ms: Number(rect.getAttribute('data-ms')), width: rect.getBoundingClientRect().width })),
        );
        for (const span of SPAN_NAMES.filter((candidate) => summaries[candidate])) {
          for (const stat of ['p50', 'p95', 'p99'] as const) {
            const bar = bars.find((candidate) => candidate.span === span && candidate.stat === stat);
            const expected = summaries[span]?.[stat] as number;
            assert.ok(bar, `${name}: a ${stat} bar for ${span}`);
            assert.ok(Math.abs(bar.ms - expected) < 0.001, `${name} ${span} ${stat}: ${bar.ms} vs ${expected}`);
            if (expected > 20) assert.ok(bar.width > 1, `${name} ${span} ${stat}: drawn (${bar.width} px)`);
          }
        }
      }

      const rows = await page.locator('svg.waterfall g.waterfall-row').evaluateAll((groups) =>
        groups.map((group) => ({
          totalMs: Number(group.getAttribute('data-total-ms')),
          segments: [...group.querySelectorAll('rect.segment')].map((rect) => ({ ms: Number(rect.getAttribute('data-ms')), width: rect.getBoundingClientRect().width })),
        })),
      );
      assert.equal(rows.length, transports.length * 2, "each transport's median and p95 turn");
      for (const row of rows) {
        assert.ok(row.segments.length >= 5, 'the critical path has its segments');
        assert.ok(row.segments.every((segment) => segment.width > 0), 'every segment is drawn');
        const sumMs = row.segments.reduce((sum, segment) => sum + segment.ms, 0);
        assert.ok(Math.abs(sumMs - row.totalMs) < 0.01, `segments sum to the turn's v2v: ${sumMs} vs ${row.totalMs}`);
      }

      const gates = await page.locator('section#gates tr.gate').evaluateAll((trs) => trs.map((tr) => ({ transport: tr.getAttribute('data-transport'), held: tr.getAttribute('data-held'), text: tr.textContent ?? '' })));
      assert.equal(gates.length, result.gates?.length);
      for (const [index, outcome] of (result.gates ?? []).entries()) {
        const row = gates[index];
        assert.equal(row?.transport, outcome.transport);
        assert.match(row?.text ?? '', outcome.held ? /✓ held/ : /✗ FAILED/, `${outcome.gate} on ${outcome.transport}`);
      }
      assert.ok((result.gates ?? []).some((outcome) => !outcome.held) && (result.gates ?? []).some((outcome) => outcome.held), 'the fixture has both verdicts');
      assert.match(await page.locator('section#gates p.verdict').innerText(), /^✗ \d+ of \d+ gate checks failed$/);

      await mkdir(resolve('reports/screenshots'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      const png = await readFile(SCREENSHOT);
      assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG');
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      assert.ok(width >= 1000 && height >= 2000, `the whole page, ${width} × ${height}`);
      assert.ok((await stat(SCREENSHOT)).size > 50_000, 'not a blank page');
      t.diagnostic(`screenshot: ${SCREENSHOT} (${width} × ${height})`);
    } finally {
      await page.close();
    }
  });

  test('the wifi run: every transport impaired, nothing fetched, a CDF series per transport', async () => {
    const result = load('wifi');
    const loaded = await open(result, 'wifi');
    try {
      assertQuiet(loaded);
      const samples = await loaded.page.locator('path.cdf-series').evaluateAll((paths) => paths.map((path) => Number(path.getAttribute('data-samples'))));
      assert.deepEqual(samples, (Object.keys(result.transports) as TransportName[]).map((name) => result.turns.filter((turn) => turn.transport === name && !turn.error).length));
      assert.match(await loaded.page.locator('section#transports').innerText(), /lost/, 'the network link stats are shown');
    } finally {
      await loaded.page.close();
    }
  });

  test('markup in a transcript or an utterance name stays text: nothing runs, no element appears', async () => {
    const result = load('barge-in');
    const transcript = '<script>window.__injected = 1</script>';
    const utterance = '<img src=x onerror="window.__injected=2">';
    const [first, second] = result.turns;
    assert.ok(first && second, 'the fixture has turns');
    first.transcript = transcript;
    second.utterance = utterance;
    const median = result.transports.ws?.waterfall.medianTurn;
    if (median) median.utterance = utterance;
    const loaded = await open(result, 'escaping');
    const { page } = loaded;
    try {
      assertQuiet(loaded);
      assert.equal(await page.evaluate('window.__injected'), undefined, 'no injected script ran');
      assert.equal(await page.locator('img').count(), 0, 'no img element');
      assert.equal(await page.locator('script').count(), 0, 'no script element');
      const text = (await page.evaluate('document.body.textContent')) as string;
      assert.ok(text.includes(transcript), 'the transcript is shown as the text it is');
      assert.ok(text.includes(utterance), 'the utterance name is shown as the text it is');
      assert.equal(await page.locator('table.turns td', { hasText: transcript }).count(), 1, 'in its own cell');
    } finally {
      await page.close();
    }
  });
}
