import { RTCPeerConnection, RTCRtpCodecParameters, type RTCDataChannel } from 'werift';
import { CODECS, type CodecName } from '../../audio/codecs.js';
import { TransportError } from '../../errors.js';

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
 */
export function createPeer(codecs: readonly CodecName[]): RTCPeerConnection {
  return new RTCPeerConnection({
    // werift's default asks a public STUN server (stun.l.google.com) for a candidate: nothing
    // leaves this host, and gathering must not wait on the Internet.
    iceServers: [],
    bundlePolicy: 'max-bundle',
    iceAdditionalHostAddresses: ['127.0.0.1'],
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

/** Resolves when ICE and DTLS are up; rejects on failure or after `timeoutMs`. */
export function connected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unSubscribe();
      reject(new TransportError(`WebRTC did not connect within ${timeoutMs} ms (state ${pc.connectionState})`));
    }, timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' || state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        unSubscribe();
        if (state === 'connected') resolve();
        else reject(new TransportError(`WebRTC connection ${state} before it was established`));
      }
    });
  });
}

export function channelOpen(channel: RTCDataChannel, timeoutMs: number): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unSubscribe();
      reject(new TransportError(`the ${channel.label} data channel did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    const { unSubscribe } = channel.stateChanged.subscribe((state) => {
      if (state === 'open') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  });
}

/** Counts RTP packets and the gaps in their sequence numbers (16-bit, wrapping). */
export class RtpReceiveStats {
  #highestSeq: number | undefined;
  received = 0;
  lost = 0;

  add(sequenceNumber: number): void {
    this.received++;
    if (this.#highestSeq === undefined) {
      this.#highestSeq = sequenceNumber;
      return;
    }
    const ahead = (sequenceNumber - this.#highestSeq + 0x10000) % 0x10000;
    if (ahead > 0 && ahead < 0x8000) {
      this.lost += ahead - 1;
      this.#highestSeq = sequenceNumber;
    }
  }
}
