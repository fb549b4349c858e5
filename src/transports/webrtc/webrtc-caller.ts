import { RtpHeader, RtpPacket } from 'werift';
import { CODECS, createDecoder, createEncoder, type CodecName } from '../../audio/codecs.js';
import { StreamingCaller, type CallerLink } from '../../caller/streaming-caller.js';
import { TransportError } from '../../errors.js';
import type { Clock } from '../../metrics/clock.js';
import { computeSpans } from '../../metrics/spans.js';
import { Timeline } from '../../metrics/timeline.js';
import type { PlannedTurn, TurnResult } from '../../caller/turn-plan.js';
import { agentMessageSchema, MAX_TEXT_MESSAGE_BYTES, parseMessage } from '../stream-protocol.js';
import { channelOpen, connected, createPeer, EVENTS_CHANNEL, gatheringComplete, isLoopbackHost, RtpReceiveStats } from './webrtc-peer.js';
import { RtpJitterBuffer } from './rtp-jitter-buffer.js';
import type { NetworkSpec } from '../netem/network-profile.js';
import { routeCandidatesVia } from '../netem/sdp-candidates.js';
import { UdpRelay } from '../netem/udp-relay.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** The first WebRTC set-up in a process pays for loading and JIT-compiling DTLS, SCTP and SRTP: it is reported apart. */
let connectedBefore = false;

export interface WebRtcCallerOptions {
  /** The agent's WHIP endpoint. */
  agentUrl: string;
  clock: Clock;
  codec: CodecName;
  jitterBufferMs: number;
  sendHints: boolean;
  /** Route the media path through an impaired UDP relay (signaling stays direct). */
  network?: { spec: NetworkSpec; seed: number; key: string };
}

export interface ConnectSample {
  /** Peer connection created → ICE and DTLS connected (offer, gathering, signaling round trip, checks, handshake). Not part of any turn. */
  connectMs: number;
  /** First connection set up in this process. */
  cold: boolean;
}

/**
 * The streaming caller over WebRTC: microphone frames go out as RTP on the audio track (encoded
 * with the chosen codec), events travel on the `events` data channel, and the bot's RTP is
 * decoded and played through the jitter buffer. Set-up is WHIP-style: POST the offer, get the
 * answer; DELETE the session's Location to hang up.
 */
export class WebRtcCaller {
  private constructor(
    private readonly pc: ReturnType<typeof createPeer>,
    private readonly caller: StreamingCaller,
    private readonly sessionUrl: string,
    readonly connect: ConnectSample,
    readonly downlink: RtpReceiveStats,
    readonly jitterBuffer: RtpJitterBuffer,
    /** The impaired path's relay, when there is one. */
    readonly relay: UdpRelay | undefined,
    private readonly closeCodecs: () => void,
  ) {}

  static async connect(options: WebRtcCallerOptions, signal: AbortSignal): Promise<WebRtcCaller> {
    const { clock, codec } = options;
    const encoder = await createEncoder(codec);
    const decoder = await createDecoder(codec);
    const setUp = new Timeline(clock);
    setUp.mark('caller.connect_start');
    const pc = createPeer([codec], { loopbackOnly: isLoopbackHost(new URL(options.agentUrl).hostname) });
    const transceiver = pc.addTransceiver('audio', { direction: 'sendrecv' });
    const channel = pc.createDataChannel(EVENTS_CHANNEL);
    const downlink = new RtpReceiveStats();
    let onFrame: (frame: Int16Array, arrivalMs: number) => void = () => undefined;
    let onProtocolError: (problem: string) => void = () => undefined;
    const jitterBuffer = new RtpJitterBuffer({
      clock,
      jitterBufferMs: options.jitterBufferMs,
      decode: (payload) => decoder.decode(payload),
      emit: (frame, arrivalMs) => onFrame(frame, arrivalMs),
      onError: (err) => onProtocolError(err instanceof Error ? err.message : String(err)),
    });
    transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        const arrivalMs = clock.nowMs();
        downlink.add(rtp.header.sequenceNumber);
        jitterBuffer.push(rtp.header.sequenceNumber, rtp.payload, arrivalMs);
      });
    });
    let sessionUrl: string;
    let relay: UdpRelay | undefined;
    try {
      if (options.network) relay = await UdpRelay.start({ clock, ...options.network });
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc);
      const offer = relay ? routeCandidatesVia(pc.localDescription?.sdp ?? '', relay.agentFacing) : undefined;
      const response = await fetch(options.agentUrl, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer?.sdp ?? pc.localDescription?.sdp ?? '', signal }).catch((err: unknown) => {
        throw new TransportError(`cannot reach the agent at ${options.agentUrl}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      });
      const answer = await response.text();
      if (response.status !== 201) throw new TransportError(`the agent refused the offer with HTTP ${response.status}: ${answer.slice(0, 200)}`);
      const location = response.headers.get('location');
      if (!location) throw new TransportError('the agent answered the offer without a Location header');
      sessionUrl = new URL(location, options.agentUrl).href;
      let answerSdp = answer;
      if (relay && offer) {
        const routed = routeCandidatesVia(answer, relay.callerFacing);
        relay.connect(offer.original, routed.original);
        answerSdp = routed.sdp;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
      await connected(pc, CONNECT_TIMEOUT_MS);
      setUp.mark('caller.connected');
      await channelOpen(channel, CONNECT_TIMEOUT_MS);
      // set-up crossed with delay and bandwidth; from here on, packets are lost too
      relay?.startLoss();
    } catch (err) {
      await pc.close();
      relay?.close();
      jitterBuffer.close();
      encoder.close();
      decoder.close();
      throw err;
    }
    const connect: ConnectSample = { connectMs: computeSpans(setUp.toRecord()).connect ?? NaN, cold: !connectedBefore };
    connectedBefore = true;

    let sequenceNumber = 0;
    let timestamp = 0;
    const link: CallerLink = {
      sendFrame: (frame) => {
        const header = new RtpHeader({ sequenceNumber, timestamp, marker: sequenceNumber === 0 });
        sequenceNumber = (sequenceNumber + 1) & 0xffff;
        timestamp = (timestamp + CODECS[codec].timestampStep) >>> 0;
        void transceiver.sender.sendRtp(new RtpPacket(header, encoder.encode(frame)));
      },
      sendMessage: (message) => {
        if (channel.readyState === 'open') channel.send(JSON.stringify(message));
      },
      listen: (handlers) => {
        onFrame = handlers.frame;
        onProtocolError = handlers.protocolError;
        channel.onMessage.subscribe((data) => {
          const text = typeof data === 'string' ? data : data.toString('utf8');
          if (Buffer.byteLength(text) > MAX_TEXT_MESSAGE_BYTES) {
            handlers.protocolError(`a data-channel message of ${Buffer.byteLength(text)} bytes; at most ${MAX_TEXT_MESSAGE_BYTES}`);
            return;
          }
          const parsed = parseMessage(text, agentMessageSchema);
          if (parsed.ok) handlers.message(parsed.message);
          else handlers.protocolError(parsed.error);
        });
        pc.connectionStateChange.subscribe((state) => {
          if (state === 'failed' || state === 'closed') handlers.closed(new TransportError(`the WebRTC connection is ${state}`));
        });
      },
    };
    const caller = new StreamingCaller({ clock, sendHints: options.sendHints, jitterBufferMs: options.jitterBufferMs, holdsPlayback: false }, link);
    return new WebRtcCaller(pc, caller, sessionUrl, connect, downlink, jitterBuffer, relay, () => {
      jitterBuffer.close();
      encoder.close();
      decoder.close();
    });
  }

  warmUp(signal: AbortSignal): Promise<void> {
    return this.caller.warmUp(signal);
  }

  runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    return this.caller.runTurn(plan, turnIndex, signal);
  }

  /** Hangs up: DELETE the session (best effort), then close the peer connection. */
  async close(): Promise<void> {
    await fetch(this.sessionUrl, { method: 'DELETE' }).catch(() => undefined);
    await this.pc.close();
    this.relay?.close();
    this.closeCodecs();
  }
}
