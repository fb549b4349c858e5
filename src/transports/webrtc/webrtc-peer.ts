import { RTCPeerConnection, RTCRtpCodecParameters, type CandidatePair, type RTCDataChannel } from 'werift';
import { CODECS, type CodecName } from '../../audio/codecs.js';
import { TransportError } from '../../errors.js';

const LOOPBACK = '127.0.0.1';

/** Whether a URL's host is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return host === LOOPBACK || host === 'localhost' || host === '[::1]' || host === '::1';
}

/** The data channel that carries the event vocabulary of the stream protocol (src/agent/events.ts). */
export const EVENTS_CHANNEL = 'events';

/**
 * One RTCPeerConnection as both sides configure it:
 * - `max-bundle`: one transport for audio and data. Without it werift leaves UDP sockets open
 *   after close and the process never exits.
 * - 127.0.0.1 as an additional host address: on a host whose only interface is loopback, ICE
 *   gathers no candidate otherwise.
 * - only the codecs offered, so the negotiated payload type is the one asked for.
 * - no ICE servers: host candidates only.
 * - `loopbackOnly` when both peers are on this host.
 */
export function createPeer(codecs: readonly CodecName[], options: { loopbackOnly?: boolean } = {}): RTCPeerConnection {
  return new RTCPeerConnection({
    // both peers on this host: pair loopback candidates only, so ICE never nominates an
    // interface that can come and go under the call (a test's veth pair, a VPN)
    ...(options.loopbackOnly ? { iceFilterCandidatePair: (pair: CandidatePair) => pair.protocol.localCandidate?.host === LOOPBACK && pair.remoteCandidate.host === LOOPBACK } : {}),
    // werift's default asks a public STUN server (stun.l.google.com) for a candidate: nothing
    // leaves this host, and gathering must not wait on the Internet.
    iceServers: [],
    bundlePolicy: 'max-bundle',
    iceAdditionalHostAddresses: [LOOPBACK],
    codecs: {
      audio: codecs.map((name) => new RTCRtpCodecParameters({ mimeType: CODECS[name].mimeType, clockRate: CODECS[name].clockRateHz, channels: CODECS[name].channels })),
      video: [],
    },
  });
}

/** Non-trickle signaling: the description is sent once every candidate is in it. */
export function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        unSubscribe();
        resolve();
      }
    });
  });
}

interface StateEvents<S> {
  subscribe(execute: (state: S) => void): { unSubscribe: () => void };
}

/** Resolves once `state` reaches `wanted`; rejects when it reaches a `fatal` state, or after `timeoutMs`. */
function untilState<S extends string>(current: S, events: StateEvents<S>, wanted: S, fatal: readonly S[], timeoutMs: number, what: string): Promise<void> {
  if (current === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unSubscribe();
      reject(new TransportError(`${what} within ${timeoutMs} ms (state ${current})`));
    }, timeoutMs);
    const { unSubscribe } = events.subscribe((state) => {
      current = state;
      if (state !== wanted && !fatal.includes(state)) return;
      clearTimeout(timer);
      unSubscribe();
      if (state === wanted) resolve();
      else reject(new TransportError(`${what}: the connection is ${state}`));
    });
  });
}

/** Resolves when ICE and DTLS are up; rejects on failure or after `timeoutMs`. */
export function connected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return untilState(pc.connectionState, pc.connectionStateChange, 'connected', ['failed', 'closed'], timeoutMs, 'WebRTC did not connect');
}

export function channelOpen(channel: RTCDataChannel, timeoutMs: number): Promise<void> {
  return untilState(channel.readyState, channel.stateChanged, 'open', [], timeoutMs, `the ${channel.label} data channel did not open`);
}

/**
 * Counts RTP packets received and lost the way RTCP receiver reports do (RFC 3550 A.3): lost =
 * packets expected (from the first sequence number to the highest, 16-bit wrap extended) minus
 * packets received, so a reordered packet is not counted lost once it arrives.
 */
export class RtpReceiveStats {
  #first: number | undefined;
  #highest = 0;
  received = 0;

  add(sequenceNumber: number): void {
    this.received++;
    if (this.#first === undefined) {
      this.#first = sequenceNumber;
      this.#highest = sequenceNumber;
      return;
    }
    const ahead = (sequenceNumber - (this.#highest & 0xffff) + 0x10000) % 0x10000;
    if (ahead > 0 && ahead < 0x8000) this.#highest += ahead;
  }

  get lost(): number {
    return this.#first === undefined ? 0 : Math.max(0, this.#highest - this.#first + 1 - this.received);
  }
}
