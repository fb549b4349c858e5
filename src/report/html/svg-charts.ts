import { V2V_OPTIMUM_MS, V2V_TARGET_MS } from '../../metrics/spans.js';
import type { WaterfallSegment } from '../../metrics/waterfall.js';
import { ms } from '../format.js';
import { html, type Html } from './html-document.js';

/**
 * Small pure SVG builders for the HTML report: data in, inline SVG out, no script. Every chart
 * carries its data on its elements (`data-*`, in ms) so a test can check what was drawn, and a
 * `<title>` plus `aria-label` so it is not just a picture.
 */

/** The `data-*` name a chart gives its series or rows: the report says what they are. */
export type DataKey = 'series' | 'row' | 'transport' | 'span' | 'run';

/** Where first audio feels instant, and human parity: drawn on every latency chart. */
export const REFERENCE_LINES = [
  { atMs: V2V_OPTIMUM_MS, label: 'optimum', colour: '#1a7f37' },
  { atMs: V2V_TARGET_MS, label: 'target', colour: '#c62828' },
] as const;

export const SEGMENT_COLOURS: Record<WaterfallSegment, string> = {
  endpointing: '#b07aa1',
  uplink: '#76b7b2',
  stt: '#4e79a7',
  llm: '#f28e2b',
  tts: '#59a14f',
  agent: '#9c755f',
  downlink: '#edc948',
  playout: '#ff9da7',
  silence_pad: '#d4a6c8',
  other: '#bab0ac',
};

const PERCENTILE_COLOURS = { p50: '#1f4e79', p95: '#4e79a7', p99: '#a5c3e3' } as const;
export const BAR_STATS = ['p50', 'p95', 'p99'] as const;
export type BarStat = (typeof BAR_STATS)[number];

/** Average glyph width of the 11 px chart font, to fit labels without measuring them. */
const CHAR_WIDTH_PX = 6.2;

/** Screen coordinates: two decimals are finer than a pixel. */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A value for a `data-*` attribute: to the microsecond, like the histograms. */
function dataMs(valueMs: number): string {
  return String(Math.round(valueMs * 1000) / 1000);
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** Axis ticks: whole numbers as they are (0, 250, 2000), fractions as every report prints ms. */
function tickLabel(valueMs: number): string {
  return Number.isInteger(valueMs) ? String(valueMs) : ms(valueMs);
}

/** Black or white, whichever reads on `hex`. */
function inkOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 ? '#1d232a' : '#ffffff';
}

interface TextOptions {
  anchor?: 'start' | 'middle' | 'end';
  className?: string;
  fill?: string;
}

/** A label at (x, y), the baseline; its look comes from `className` in the stylesheet. */
function label(x: number, y: number, content: string, options: TextOptions = {}): Html {
  const fill = options.fill === undefined ? html`` : html` fill="${options.fill}"`;
  return html`<text x="${px(x)}" y="${px(y)}" text-anchor="${options.anchor ?? 'start'}" class="${options.className ?? ''}"${fill}>${content}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, dash?: string): Html {
  const dashArray = dash === undefined ? html`` : html` stroke-dasharray="${dash}"`;
  return html`<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" stroke="${stroke}"${dashArray}/>`;
}

/** 0 … a round maximum covering `maxMs` and the target line, with a 1/2/2.5/5 × 10ⁿ tick step. */
export interface MsAxis {
  maxMs: number;
  stepMs: number;
}

export function msAxis(maxMs: number): MsAxis {
  const wanted = Math.max(maxMs, V2V_TARGET_MS);
  const rough = wanted / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const stepMs = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((step) => step >= rough) ?? 10 * power;
  return { maxMs: Math.ceil(wanted / stepMs) * stepMs, stepMs };
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
  axis: MsAxis;
}

function xOf(plot: Plot, valueMs: number): number {
  return plot.left + (Math.min(Math.max(valueMs, 0), plot.axis.maxMs) / plot.axis.maxMs) * (plot.right - plot.left);
}

/** Vertical grid lines with their ms labels under the plot, and the axis title. */
function msGrid(plot: Plot, title: string): Html {
  const ticks: Html[] = [];
  for (let valueMs = 0; valueMs <= plot.axis.maxMs + 1e-9; valueMs += plot.axis.stepMs) {
    const x = xOf(plot, valueMs);
    ticks.push(html`${line(x, plot.top, x, plot.bottom, '#e6e9ed')}${label(x, plot.bottom + 15, tickLabel(valueMs), { anchor: 'middle', className: 'tick' })}`);
  }
  const axis = line(plot.left, plot.bottom, plot.right, plot.bottom, '#9aa4ae');
  return html`<g class="axis-x">${ticks}${axis}${label((plot.left + plot.right) / 2, plot.bottom + 32, title, { anchor: 'middle', className: 'axis-title' })}</g>`;
}

/** The 350 ms and 500 ms lines, labelled above the plot on the side away from each other. */
function referenceLines(plot: Plot): Html[] {
  return REFERENCE_LINES.map((reference, index) => {
    const x = xOf(plot, reference.atMs);
    const text = `${reference.label} ${reference.atMs} ms`;
    const caption = index === 0 ? label(x - 3, plot.top - 7, text, { anchor: 'end', className: 'reference-label', fill: reference.colour }) : label(x + 3, plot.top - 7, text, { className: 'reference-label', fill: reference.colour });
    return html`<g class="reference" data-ms="${reference.atMs}" stroke-width="1.5">${line(x, plot.top - 4, x, plot.bottom, reference.colour, '5 3')}${caption}</g>`;
  });
}

interface LegendItem {
  label: string;
  colour: string;
  shape: 'line' | 'box';
}

/** A row of swatches and labels starting at (x, y). */
function legend(items: readonly LegendItem[], x: number, y: number): Html {
  let cursor = x;
  const parts = items.map((item) => {
    const swatch =
      item.shape === 'line'
        ? html`<g stroke-width="2.5">${line(cursor, y - 4, cursor + 16, y - 4, item.colour)}</g>`
        : html`<rect x="${px(cursor)}" y="${y - 9}" width="12" height="10" rx="2" fill="${item.colour}"/>`;
    const textX = cursor + (item.shape === 'line' ? 21 : 16);
    cursor = textX + item.label.length * CHAR_WIDTH_PX + 18;
    return html`${swatch}${label(textX, y, item.label)}`;
  });
  return html`<g class="legend">${parts}</g>`;
}

function svgOpen(className: string, title: string, width: number, height: number, content: Html): Html {
  return html`<svg class="chart ${className}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"
 role="img" aria-label="${title}"><title>${title}</title>${content}</svg>`;
}

export interface CdfSeries {
  name: string;
  samplesMs: readonly number[];
  colour: string;
}

export interface CdfOptions {
  title: string;
  /** The `data-*` attribute naming each series (`data-transport="ws"`). */
  dataKey?: DataKey;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/**
 * The empirical CDF of each series as a step line: at each sorted sample the line rises by
 * 1/n, so where a line crosses 50 % is its median. Path: `M x(s₁) y(0) V y(1/n) H x(s₂) V y(2/n) … H x(sₙ) V y(1)`.
 */
export function cdfChart(series: readonly CdfSeries[], options: CdfOptions): Html {
  const width = options.width ?? 1000;
  const height = options.height ?? 330;
  const dataKey = options.dataKey ?? 'series';
  const allMs = series.flatMap((one) => one.samplesMs);
  const plot: Plot = { left: 62, right: width - 40, top: 46, bottom: height - 44, axis: msAxis(allMs.length > 0 ? Math.max(...allMs) : 0) };
  const yOf = (fraction: number): number => plot.bottom - fraction * (plot.bottom - plot.top);

  const yGrid = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const y = yOf(fraction);
    return html`${line(plot.left, y, plot.right, y, '#e6e9ed')}${label(plot.left - 6, y + 4, `${fraction * 100} %`, { anchor: 'end', className: 'tick' })}`;
  });
  const middleY = px((plot.top + plot.bottom) / 2);
  const yTitle = html`<g transform="rotate(-90 14 ${middleY})">${label(14, middleY, options.yTitle ?? 'share of samples', { anchor: 'middle', className: 'axis-title' })}</g>`;
  const percentileGuides = html`${line(plot.left, yOf(0.95), plot.right, yOf(0.95), '#b8c0c8', '2 3')}
${label(plot.right + 4, yOf(0.95) + 4, 'p95', { className: 'tick' })}${label(plot.right + 4, yOf(0.5) + 4, 'p50', { className: 'tick' })}`;

  const paths = series.map((one) => {
    const sorted = [...one.samplesMs].sort((a, b) => a - b);
    const n = sorted.length;
    const steps = sorted.map((valueMs, index) => {
      const x = px(xOf(plot, valueMs));
      const rise = `V ${px(yOf((index + 1) / n))}`;
      return index === 0 ? `M ${x} ${px(yOf(0))} ${rise}` : `H ${x} ${rise}`;
    });
    const summary = n === 0 ? `${one.name}: no samples` : `${one.name}: ${n} samples, ${ms(sorted[0])}–${ms(sorted[n - 1])} ms`;
    return html`<path class="cdf-series" data-${dataKey}="${one.name}" data-samples="${n}" data-values="${sorted.map(dataMs).join(' ')}"
 d="${steps.join(' ')}" fill="none" stroke="${one.colour}" stroke-width="2.25" stroke-linejoin="round"><title>${summary}</title></path>`;
  });

  const legendItems = series.map((one) => ({ label: `${one.name} (${one.samplesMs.length} turn${one.samplesMs.length === 1 ? '' : 's'})`, colour: one.colour, shape: 'line' as const }));
  const grid = html`<g class="axis-y">${yGrid}${yTitle}</g>${percentileGuides}${msGrid(plot, options.xTitle ?? 'ms')}`;
  const content = html`${legend(legendItems, plot.left, 16)}${grid}${referenceLines(plot)}<g class="series">${paths}</g>`;
  return svgOpen('cdf', options.title, width, height, content);
}

export interface BarRow {
  key: string;
  label: string;
  values: Record<BarStat, number>;
}

export interface BarOptions {
  title: string;
  /** The `data-*` attribute naming each row (`data-span="stt"`). */
  dataKey?: DataKey;
  /** A shared scale, so charts side by side compare by eye; at least the largest value. */
  maxMs?: number;
  width?: number;
}

const BAR_HEIGHT = 9;
const BAR_GAP = 1;
const ROW_PADDING = 10;

/** A row per label, a bar per percentile (p50, p95, p99), each with its value at its end. */
export function percentileBars(rows: readonly BarRow[], options: BarOptions): Html {
  const width = options.width ?? 1000;
  const dataKey = options.dataKey ?? 'row';
  const rowHeight = BAR_STATS.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_PADDING;
  const top = 46;
  const height = top + rows.length * rowHeight + 44;
  const largestMs = Math.max(0, ...rows.flatMap((row) => BAR_STATS.map((stat) => row.values[stat])));
  const plot: Plot = { left: 130, right: width - 56, top, bottom: top + rows.length * rowHeight, axis: msAxis(Math.max(largestMs, options.maxMs ?? 0)) };

  const bars = rows.map((row, rowIndex) => {
    const rowTop = top + rowIndex * rowHeight + ROW_PADDING / 2;
    const labelY = px(rowTop + (rowHeight - ROW_PADDING) / 2 + 4);
    const statBars = BAR_STATS.map((stat, statIndex) => {
      const valueMs = row.values[stat];
      const y = px(rowTop + statIndex * (BAR_HEIGHT + BAR_GAP));
      const barWidth = px(Math.max(xOf(plot, valueMs) - plot.left, valueMs > 0 ? 1 : 0));
      const bar = html`<rect class="bar" data-${dataKey}="${row.key}" data-stat="${stat}" data-ms="${dataMs(valueMs)}"
 x="${plot.left}" y="${y}" width="${barWidth}" height="${BAR_HEIGHT}" fill="${PERCENTILE_COLOURS[stat]}"><title>${row.label} ${stat} ${ms(valueMs)} ms</title></rect>`;
      return html`${bar}${label(plot.left + barWidth + 4, y + BAR_HEIGHT - 1, ms(valueMs), { className: 'bar-value' })}`;
    });
    const band = rowIndex % 2 === 1 ? html`<rect x="0" y="${top + rowIndex * rowHeight}" width="${width}" height="${rowHeight}" fill="#f6f8fa"/>` : html``;
    const rowLabel = label(plot.left - 8, labelY, truncate(row.label, 19), { anchor: 'end', className: 'row-label' });
    return html`${band}<g class="bar-row" data-${dataKey}="${row.key}">${rowLabel}${statBars}</g>`;
  });
  const legendItems = BAR_STATS.map((stat) => ({ label: stat, colour: PERCENTILE_COLOURS[stat], shape: 'box' as const }));
  const content = html`${legend(legendItems, plot.left, 16)}${msGrid(plot, 'ms')}${bars}${referenceLines(plot)}`;
  return svgOpen('bars', options.title, width, height, content);
}

export interface WaterfallRow {
  label: string;
  /** A second, muted line under the label (which turn it was). */
  detail?: string;
  totalMs: number;
  /** In the order they are laid end to end. */
  segments: ReadonlyArray<{ segment: WaterfallSegment; ms: number }>;
}

export interface WaterfallOptions {
  title: string;
  width?: number;
}

const WATERFALL_ROW_HEIGHT = 40;
const WATERFALL_BAR_HEIGHT = 22;

/**
 * A turn per row, its critical-path segments laid end to end on one shared scale, each
 * labelled with its duration where it fits, and the total after the bar.
 */
export function waterfallChart(rows: readonly WaterfallRow[], options: WaterfallOptions): Html {
  const width = options.width ?? 1000;
  const top = 46;
  const height = top + rows.length * WATERFALL_ROW_HEIGHT + 44;
  const axis = msAxis(Math.max(0, ...rows.map((row) => row.totalMs)));
  const plot: Plot = { left: 220, right: width - 70, top, bottom: top + rows.length * WATERFALL_ROW_HEIGHT, axis };
  const used = new Set(rows.flatMap((row) => row.segments.filter((part) => part.ms > 0).map((part) => part.segment)));

  const drawn = rows.map((row, rowIndex) => {
    const rowTop = top + rowIndex * WATERFALL_ROW_HEIGHT;
    const barY = rowTop + (WATERFALL_ROW_HEIGHT - WATERFALL_BAR_HEIGHT) / 2;
    const textY = barY + WATERFALL_BAR_HEIGHT / 2 + 4;
    let offsetMs = 0;
    const segments = row.segments
      .filter((part) => part.ms > 0)
      .map((part) => {
        const x = px(xOf(plot, offsetMs));
        offsetMs += part.ms;
        const segmentWidth = px(Math.max(xOf(plot, offsetMs) - x, 0.5));
        const colour = SEGMENT_COLOURS[part.segment];
        const text = ms(part.ms);
        const fits = segmentWidth > text.length * CHAR_WIDTH_PX + 6;
        const duration = fits ? label(x + segmentWidth / 2, textY, text, { anchor: 'middle', className: 'segment-label', fill: inkOn(colour) }) : html``;
        return html`<rect class="segment" data-segment="${part.segment}" data-ms="${dataMs(part.ms)}"
 x="${x}" y="${px(barY)}" width="${segmentWidth}" height="${WATERFALL_BAR_HEIGHT}" fill="${colour}" stroke="#ffffff" stroke-width="0.75"><title>${part.segment} ${ms(part.ms)} ms</title></rect>${duration}`;
      });
    const endX = px(xOf(plot, offsetMs));
    const middleY = rowTop + WATERFALL_ROW_HEIGHT / 2;
    const labelLines =
      row.detail === undefined
        ? label(plot.left - 10, middleY + 4, truncate(row.label, 34), { anchor: 'end', className: 'row-label' })
        : html`${label(plot.left - 10, middleY - 2, truncate(row.label, 34), { anchor: 'end', className: 'row-label' })}${label(plot.left - 10, middleY + 11, truncate(row.detail, 36), { anchor: 'end', className: 'row-detail' })}`;
    const title = `${row.label}${row.detail === undefined ? '' : ` (${row.detail})`}: ${ms(row.totalMs)} ms`;
    const total = label(endX + 6, textY, `${ms(row.totalMs)} ms`, { className: 'row-total' });
    return html`<g class="waterfall-row" data-row="${row.label}" data-total-ms="${dataMs(row.totalMs)}"><title>${title}</title>${labelLines}${segments}${total}</g>`;
  });
  const legendItems = (Object.keys(SEGMENT_COLOURS) as WaterfallSegment[])
    .filter((segment) => used.has(segment))
    .map((segment) => ({ label: segment, colour: SEGMENT_COLOURS[segment], shape: 'box' as const }));
  const content = html`${legend(legendItems, plot.left, 16)}${msGrid(plot, 'ms after the caller stopped speaking')}${drawn}${referenceLines(plot)}`;
  return svgOpen('waterfall', options.title, width, height, content);
}
