import { InvalidArgumentError } from 'commander';
import type { TransportName } from '../report/result.js';
import { closest } from 'fastest-levenshtein';
import { TRANSPORT_NAMES } from '../transports/transport.js';
import { isSpanName } from '../metrics/spans.js';
import { TURN_SPAN_NAMES, type TurnSpanName } from '../report/turn-samples.js';

/** Option parsers: each rejects bad input with a message commander prints, mapped to exit 2. */
export function parsePositiveInt(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  }
  return parsed;
}

export function parseSeed(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed > 0xffffffff) {
    throw new InvalidArgumentError(`expected a whole number from 0 to 4294967295, got "${value}"`);
  }
  return parsed;
}

export function parseMs(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$/.exec(value);
  const parsed = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 60_000) {
    throw new InvalidArgumentError(`expected milliseconds between 1 and 60000 (e.g. 500 or 500ms), got "${value}"`);
  }
  return parsed;
}

export function parseTransports(value: string): TransportName[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(TRANSPORT_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown transport ${unknown.map((name) => `"${name}"`).join(', ') || '""'}; available: ${TRANSPORT_NAMES.join(', ')}`);
  }
  return [...new Set(names)] as TransportName[];
}

/** A parser for milliseconds from `min` to `max`; `example` shows the form, `note` what an edge of the range means. */
export function msBetween(min: number, max: number, example: number, note = ''): (value: string) => number {
  return (value) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$/.exec(value);
    const parsed = match ? Number(match[1]) : NaN;
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`expected milliseconds from ${min} to ${max} (e.g. ${example} or ${example}ms${note}), got "${value}"`);
    return parsed;
  };
}

/** Milliseconds where 0 is meaningful (a jitter buffer can be off). */
export function parseMsOrZero(value: string): number {
  if (/^\s*0+(\.0+)?\s*(ms)?\s*$/.test(value)) return 0;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$/.exec(value);
  const parsed = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(parsed) || parsed > 1000) throw new InvalidArgumentError(`expected milliseconds from 0 to 1000 (e.g. 40 or 40ms), got "${value}"`);
  return parsed;
}

/** `5%` or `5` → 0.05. */
export function parsePercent(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  const parsed = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 1000) throw new InvalidArgumentError(`expected a percentage above 0, e.g. 5%, got "${value}"`);
  return parsed / 100;
}

export function parseTurnSpans(value: string): TurnSpanName[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(TURN_SPAN_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`${unknown.map((name) => `"${name}"${isSpanName(name) ? ' has no per-turn samples' : `: did you mean "${closest(name, [...TURN_SPAN_NAMES])}"?`}`).join('; ') || 'no span given'}; spans: ${TURN_SPAN_NAMES.join(', ')}`);
  }
  return [...new Set(names)] as TurnSpanName[];
}

export function parseAlpha(value: string): number {
  const parsed = Number(value);
  if (!/^\s*0?\.\d+\s*$/.test(value) || !(parsed > 0 && parsed < 0.5)) throw new InvalidArgumentError(`expected a significance level between 0 and 0.5, e.g. 0.05, got "${value}"`);
  return parsed;
}
