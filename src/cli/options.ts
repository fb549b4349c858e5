import { InvalidArgumentError } from 'commander';
import type { TransportName } from '../report/result.js';
import { TRANSPORT_NAMES } from '../transports/transport.js';

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

/** Milliseconds where 0 is meaningful (a jitter buffer can be off). */
export function parseMsOrZero(value: string): number {
  if (/^\s*0+(\.0+)?\s*(ms)?\s*$/.test(value)) return 0;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$/.exec(value);
  const parsed = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(parsed) || parsed > 1000) throw new InvalidArgumentError(`expected milliseconds from 0 to 1000 (e.g. 40 or 40ms), got "${value}"`);
  return parsed;
}
