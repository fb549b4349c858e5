import { TransportError } from '../../errors.js';
import type { UdpEndpoint } from './udp-relay.js';

const CANDIDATE = /^a=candidate:(\S+) (\d+) (udp) (\d+) (\S+) (\d+) typ host(.*)$/i;

/**
 * Points a session description's ICE at a relay: keeps one UDP host candidate (IPv4 loopback
 * when there is one), returns where it pointed, and rewrites it to `via`; every other candidate
 * is removed, so the only path between the peers crosses the relay.
 */
export function routeCandidatesVia(sdp: string, via: UdpEndpoint): { sdp: string; original: UdpEndpoint } {
  const lines = sdp.split(/\r?\n/);
  const candidates = lines.map((line, index) => ({ index, match: CANDIDATE.exec(line) })).filter((entry) => entry.match !== null);
  const chosen = candidates.find((entry) => entry.match?.[5] === '127.0.0.1') ?? candidates.find((entry) => /^\d+\.\d+\.\d+\.\d+$/.test(entry.match?.[5] ?? ''));
  const match = chosen?.match;
  if (!chosen || !match) throw new TransportError('the session description has no IPv4 UDP host candidate to route through the network relay');
  const original = { address: match[5] as string, port: Number(match[6]) };
  const rewritten = `a=candidate:${match[1]} ${match[2]} ${match[3]} ${match[4]} ${via.address} ${via.port} typ host${match[7] ?? ''}`;
  const drop = new Set(candidates.map((entry) => entry.index));
  const out = lines.flatMap((line, index) => (index === chosen.index ? [rewritten] : drop.has(index) ? [] : [line]));
  return { sdp: out.join('\r\n'), original };
}
