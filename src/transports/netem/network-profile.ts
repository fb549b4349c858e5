import { InputError } from '../../errors.js';
import { didYouMean } from '../../input/did-you-mean.js';

/**
 * What the network between caller and agent does to each packet, the same way in both
 * directions. `delayMs` is one-way (a round trip is twice it); jitter is the standard deviation
 * of a normal added to each packet's delay (never below zero); loss is the long-run share of
 * packets lost, in bursts of `burst` packets on average (1: independent losses); bandwidth is
 * the bottleneck rate each direction is serialized at (0: unlimited).
 */
export interface NetworkSpec {
  delayMs: number;
  jitterMs: number;
  /** 0 to 1. */
  loss: number;
  /** Mean loss-burst length in packets, ≥ 1 (Gilbert–Elliott when above 1). */
  burst: number;
  /** Bits per second; 0 is unlimited. */
  bandwidthBps: number;
}

export interface NetworkProfile {
  /** A built-in profile's name, or the custom spec as given. */
  name: string;
  spec: NetworkSpec;
  /** Where the figures come from (built-in profiles). */
  source?: string;
}

export const NO_IMPAIRMENT: NetworkSpec = { delayMs: 0, jitterMs: 0, loss: 0, burst: 1, bandwidthBps: 0 };

/**
 * The built-in profiles (docs/network.md says where each figure comes from). They are typical
 * values inside published ranges, not a measurement of any one network.
 */
export const NETWORK_PROFILES: Record<string, NetworkProfile> = {
  none: { name: 'none', spec: NO_IMPAIRMENT, source: 'loopback: nothing between caller and agent' },
  broadband: {
    name: 'broadband',
    spec: { delayMs: 10, jitterMs: 1, loss: 0.001, burst: 1, bandwidthBps: 50e6 },
    source: 'wired fixed broadband to a nearby cloud region: FCC Measuring Broadband America (cable/fiber idle RTT 10–30 ms, loss < 0.2%)',
  },
  wifi: {
    name: 'wifi',
    spec: { delayMs: 15, jitterMs: 4, loss: 0.005, burst: 2, bandwidthBps: 20e6 },
    source: 'home Wi-Fi behind broadband: a few ms of air-interface delay and jitter on top of the wired path; residual loss after link-layer retries well under 1%',
  },
  '4g': {
    name: '4g',
    spec: { delayMs: 35, jitterMs: 8, loss: 0.01, burst: 2, bandwidthBps: 8e6 },
    source: 'LTE: Opensignal-reported median latencies of 40–70 ms RTT; uplink the narrower direction at a few Mbit/s; ~1% loss in bursts at cell edge',
  },
  'lossy-wifi': {
    name: 'lossy-wifi',
    spec: { delayMs: 20, jitterMs: 10, loss: 0.03, burst: 3, bandwidthBps: 6e6 },
    source: 'congested or distant Wi-Fi: ITU-T G.1050 (network model for IP telephony) "poor" profiles reach 2–5% bursty loss with tens of ms of jitter',
  },
};

export const NETWORK_PROFILE_NAMES = Object.keys(NETWORK_PROFILES);

const CUSTOM_HINT = 'a profile name (none, broadband, wifi, 4g, lossy-wifi) or "delay=40ms,jitter=10ms,loss=2%,burst=3,bandwidth=2mbit" (every key optional)';

const BANDWIDTH_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Limits that keep a spec physical and a run finishable. */
const MAX_DELAY_MS = 5_000;
const MAX_BURST = 100;
const MIN_BANDWIDTH_BPS = 8_000;

function parseMsValue(key: string, value: string, problems: string[]): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value);
  if (!match) {
    problems.push(`${key}=${value}: expected a duration such as 40ms or 0.5s`);
    return undefined;
  }
  const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (ms > MAX_DELAY_MS) {
    problems.push(`${key}=${value}: at most ${MAX_DELAY_MS} ms`);
    return undefined;
  }
  return ms;
}

/** Parses a custom spec, every problem listed; `where` names the flag or scenario field. */
export function parseNetworkSpec(text: string, where: string): NetworkSpec {
  const spec: NetworkSpec = { ...NO_IMPAIRMENT };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',').map((piece) => piece.trim()).filter((piece) => piece.length > 0)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().toLowerCase();
    if (seen.has(key)) problems.push(`${key}: given twice`);
    seen.add(key);
    if (eq < 0 || value === '') {
      problems.push(`${part}: expected key=value`);
      continue;
    }
    switch (key) {
      case 'delay':
      case 'jitter': {
        const ms = parseMsValue(key, value, problems);
        if (ms !== undefined) spec[key === 'delay' ? 'delayMs' : 'jitterMs'] = ms;
        break;
      }
      case 'loss': {
        const match = /^(\d+(?:\.\d+)?)%$/.exec(value);
        const percent = match ? Number(match[1]) : NaN;
        if (!(percent >= 0 && percent <= 50)) problems.push(`loss=${value}: expected a percentage from 0% to 50%, e.g. 2%`);
        else spec.loss = percent / 100;
        break;
      }
      case 'burst': {
        const burst = /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : NaN;
        if (!(burst >= 1 && burst <= MAX_BURST)) problems.push(`burst=${value}: expected the mean number of packets lost in a row, from 1 (independent losses) to ${MAX_BURST}`);
        else spec.burst = burst;
        break;
      }
      case 'bandwidth': {
        const match = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(value);
        const bps = match ? Number(match[1]) * (BANDWIDTH_UNITS[match[2] as string] as number) : NaN;
        if (!(bps >= MIN_BANDWIDTH_BPS)) problems.push(`bandwidth=${value}: expected a rate of at least 8kbit, such as 2mbit, 512kbit or 1gbit`);
        else spec.bandwidthBps = bps;
        break;
      }
      default:
        problems.push(`unknown key "${key}"${didYouMean(key, ['delay', 'jitter', 'loss', 'burst', 'bandwidth'])}`);
    }
  }
  if (seen.size === 0) problems.push('empty');
  if (problems.length > 0) throw new InputError(`${where}: ${problems.join('; ')}`, { hint: `use ${CUSTOM_HINT}` });
  return spec;
}

/** A profile by name, or a custom spec (anything with an `=`). */
export function resolveNetwork(text: string, where = '--network'): NetworkProfile {
  const trimmed = text.trim();
  const builtIn = NETWORK_PROFILES[trimmed.toLowerCase()];
  if (builtIn) return builtIn;
  if (!trimmed.includes('=')) {
    throw new InputError(`${where}: unknown network profile "${trimmed}"${didYouMean(trimmed.toLowerCase(), NETWORK_PROFILE_NAMES)}`, { hint: `use ${CUSTOM_HINT}` });
  }
  return { name: trimmed, spec: parseNetworkSpec(trimmed, where) };
}

export function isImpaired(spec: NetworkSpec): boolean {
  return spec.delayMs > 0 || spec.jitterMs > 0 || spec.loss > 0 || spec.bandwidthBps > 0;
}

/** `delay=20ms,jitter=10ms,loss=3%,burst=3,bandwidth=6mbit`, the form --network accepts. */
export function describeSpec(spec: NetworkSpec): string {
  const bandwidth = spec.bandwidthBps === 0 ? 'unlimited' : spec.bandwidthBps >= 1e6 ? `${spec.bandwidthBps / 1e6}mbit` : `${spec.bandwidthBps / 1e3}kbit`;
  return `delay=${spec.delayMs}ms,jitter=${spec.jitterMs}ms,loss=${+(spec.loss * 100).toFixed(3)}%,burst=${spec.burst},bandwidth=${bandwidth}`;
}
