import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RtpHeader, RtpPacket, type RTCDataChannel, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import type { AgentErrorCode, CallOutput } from '../../agent/events.js';
import { Stages } from '../../agent/stages.js';
import { CallProtocolError, newStreamingCall, type StreamingAgentOptions, type StreamingCall } from '../../agent/streaming-call.js';
import { CODEC_NAMES, CODECS, createDecoder, createEncoder, type CodecName, type FrameDecoder, type FrameEncoder } from '../../audio/codecs.js';
import { HttpError, readBody } from '../http.js';
import { callerMessageSchema, MAX_TEXT_MESSAGE_BYTES, parseMessage, STREAM_AUDIO, STREAM_PROTOCOL, type AgentWireMessage } from '../stream-protocol.js';
import { connected, createPeer, gatheringComplete, isLoopbackHost, RtpReceiveStats } from './webrtc-peer.js';
import { RtpJitterBuffer } from './rtp-jitter-buffer.js';

/** WHIP-style signaling (RFC 9725): POST an SDP offer here, DELETE the returned Location to hang up. */
export const WHIP_PATH = '/v1/whip';
const MAX_SDP_BYTES = 64 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

export type WebRtcAgentOptions = StreamingAgentOptions;

export interface WebRtcAgentStats {
  /** RTP the agent received from callers: packets, and gaps in their sequence numbers. */
  packetsReceived: number;
  packetsLost: number;
  /** Frames the agent made up for lost or late packets, and packets that came after their frame was made up. */
  concealed: number;
  late: number;
}

export interface RunningWebRtcAgent {
  /** http://host:port/v1/whip */
  url: string;
  activeSessions(): number;
  stats(): WebRtcAgentStats;
  close(): Promise<void>;
}


/** One caller: its peer connection, codec state and the streaming agent behind it. */
class WebRtcSession {
  readonly uplink = new RtpReceiveStats();
  #call: StreamingCall | undefined;
  #channel: RTCDataChannel | undefined;
  #encoder: FrameEncoder | undefined;
  #decoder: FrameDecoder | undefined;
  #jitter: RtpJitterBuffer | undefined;
  #sequenceNumber = 0;
  #timestamp = 0;
  #closing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly pc: RTCPeerConnection,
    private readonly options: WebRtcAgentOptions,
    private readonly stages: Stages,
    private readonly onClosed: (session: WebRtcSession) => void,
  ) {
    pc.onDataChannel.subscribe((channel) => {
      this.#channel = channel;
      channel.onMessage.subscribe((data) => this.onMessage(typeof data === 'string' ? data : data.toString('utf8')));
    });
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp));
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') void this.close();
    });
  }

  /** Once connected: the negotiated codec decides the encoder and decoder; the call starts. */
  async start(transceiver: RTCRtpTransceiver): Promise<void> {
    await connected(this.pc, CONNECT_TIMEOUT_MS);
    const codec = negotiatedCodec(transceiver);
    this.#encoder = await createEncoder(codec);
    this.#decoder = await createDecoder(codec);
    const output: CallOutput = {
      event: (event) => this.send(event),
      audio: (frame) => {
        const encoder = this.#encoder;
        if (!encoder || this.#closing) throw new Error('the call has ended');
        const header = new RtpHeader({ sequenceNumber: this.#sequenceNumber, timestamp: this.#timestamp, marker: this.#sequenceNumber === 0 });
        this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
        this.#timestamp = (this.#timestamp + CODECS[codec].timestampStep) >>> 0;
        void transceiver.sender.sendRtp(new RtpPacket(header, encoder.encode(frame)));
      },
    };
    const decoder = this.#decoder;
    // the agent takes frames as they come: a gap is concealed as soon as a later packet shows it
    this.#jitter = new RtpJitterBuffer({
      clock: this.options.clock,
      jitterBufferMs: 0,
      decode: (payload) => decoder.decode(payload),
      emit: (frame) => this.#call?.pushFrame(frame),
      // frames can also come out on the buffer's timer, so a failure is handled here, not thrown
      onError: (err) => this.onFrameError(err),
    });
    this.#call = newStreamingCall(this.options, this.stages, output);
    this.#call.onFailure((err) => this.fail('internal', `audio processing failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#call?.close(new Error('the call ended'));
      await this.pc.close();
      this.#jitter?.close();
      this.#encoder?.close();
      this.#decoder?.close();
      this.onClosed(this);
    })();
    return this.#closing;
  }

  /** Frames concealed and packets late, so far. */
  get concealment(): { concealed: number; late: number } {
    return { concealed: this.#jitter?.stats.concealed ?? 0, late: this.#jitter?.stats.late ?? 0 };
  }

  private onRtp(rtp: RtpPacket): void {
    this.uplink.add(rtp.header.sequenceNumber);
    const jitter = this.#jitter;
    if (!this.#call || !jitter || this.#closing) return;
    jitter.push(rtp.header.sequenceNumber, rtp.payload, this.options.clock.nowMs());
  }

  private onFrameError(err: unknown): void {
    if (err instanceof CallProtocolError) this.fail(err.code, err.message);
    else this.fail('bad_audio', `cannot decode an RTP payload: ${err instanceof Error ? err.message : String(err)}`);
  }

  private onMessage(text: string): void {
    if (Buffer.byteLength(text) > MAX_TEXT_MESSAGE_BYTES) {
      this.fail('bad_message', `message of ${Buffer.byteLength(text)} bytes; at most ${MAX_TEXT_MESSAGE_BYTES}`);
      return;
    }
    const parsed = parseMessage(text, callerMessageSchema);
    if (!parsed.ok) {
      this.fail('bad_message', `malformed message: ${parsed.error}`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'session.start':
        // The SDP negotiated the audio; answer as the WebSocket agent would.
        this.send({ type: 'session.ready', protocol: STREAM_PROTOCOL, audio: STREAM_AUDIO });
        return;
      case 'turn.start':
        this.#call?.startTurn(message);
        return;
      case 'ping':
        this.send({ type: 'pong', id: message.id });
        return;
      case 'session.end':
        void this.close();
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private send(message: AgentWireMessage): void {
    if (this.#channel?.readyState === 'open') this.#channel.send(JSON.stringify(message));
  }

  private fail(code: AgentErrorCode, message: string): void {
    this.send({ type: 'error', code, message });
    void this.close();
  }
}

function negotiatedCodec(transceiver: RTCRtpTransceiver): CodecName {
  const mimeType = transceiver.sender.codec?.mimeType.toLowerCase();
  const codec = CODEC_NAMES.find((name) => CODECS[name].mimeType.toLowerCase() === mimeType);
  if (!codec) throw new HttpError(488, `no common audio codec: offer ${CODEC_NAMES.map((name) => CODECS[name].mimeType).join(' or ')}`);
  return codec;
}

/**
 * The streaming agent over WebRTC: one RTCPeerConnection per call (werift), one audio track
 * each way (Opus or PCMU in RTP), and the `events` data channel carrying the same event
 * vocabulary as the WebSocket protocol. Signaling is WHIP-style HTTP (docs/protocol-webrtc.md).
 */
export async function startWebRtcAgent(options: WebRtcAgentOptions): Promise<RunningWebRtcAgent> {
  const stages = new Stages(options.pipeline);
  const sessions = new Map<string, WebRtcSession>();
  const totals: WebRtcAgentStats = { packetsReceived: 0, packetsLost: 0, concealed: 0, late: 0 };
  const onClosed = (session: WebRtcSession): void => {
    if (!sessions.delete(session.id)) return;
    totals.packetsReceived += session.uplink.received;
    totals.packetsLost += session.uplink.lost;
    totals.concealed += session.concealment.concealed;
    totals.late += session.concealment.late;
  };

  async function offer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim();
    if (contentType !== 'application/sdp') throw new HttpError(415, `send the SDP offer as application/sdp, not ${contentType ?? 'no content type'}`);
    const sdp = (await readBody(request, MAX_SDP_BYTES, 'SDP offer')).toString('utf8');
    const pc = createPeer(CODEC_NAMES, { loopbackOnly: isLoopbackHost(options.host ?? '127.0.0.1') });
    const session = new WebRtcSession(randomUUID(), pc, options, stages, onClosed);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
    } catch (err) {
      await pc.close();
      throw new HttpError(400, `not a usable SDP offer: ${err instanceof Error ? err.message : String(err)}`);
    }
    const transceiver = pc.getTransceivers().find((candidate) => candidate.kind === 'audio');
    if (!transceiver) {
      await pc.close();
      throw new HttpError(400, 'not a usable SDP offer: it has no audio m-line');
    }
    transceiver.setDirection('sendrecv');
    await pc.setLocalDescription(await pc.createAnswer());
    try {
      negotiatedCodec(transceiver);
    } catch (err) {
      await pc.close();
      throw err;
    }
    await gatheringComplete(pc);
    sessions.set(session.id, session);
    void session.start(transceiver).catch(() => session.close());
    response.writeHead(201, { 'content-type': 'application/sdp', location: `${WHIP_PATH}/${session.id}` }).end(pc.localDescription?.sdp ?? '');
  }

  async function hangUp(id: string, response: ServerResponse): Promise<void> {
    const session = sessions.get(id);
    if (!session) throw new HttpError(404, `no session ${id}`);
    await session.close();
    response.writeHead(200).end();
  }

  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    const handle = async (): Promise<void> => {
      if (request.method === 'POST' && url === WHIP_PATH) return offer(request, response);
      if (request.method === 'DELETE' && url.startsWith(`${WHIP_PATH}/`)) return hangUp(url.slice(WHIP_PATH.length + 1), response);
      request.resume();
      throw new HttpError(url === WHIP_PATH ? 405 : 404, `no route for ${request.method} ${url}; POST an SDP offer to ${WHIP_PATH}`);
    };
    handle().catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!response.headersSent) response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}${WHIP_PATH}`,
    activeSessions: () => sessions.size,
    stats: () => {
      const live = [...sessions.values()];
      return {
        packetsReceived: totals.packetsReceived + live.reduce((sum, session) => sum + session.uplink.received, 0),
        packetsLost: totals.packetsLost + live.reduce((sum, session) => sum + session.uplink.lost, 0),
        concealed: totals.concealed + live.reduce((sum, session) => sum + session.concealment.concealed, 0),
        late: totals.late + live.reduce((sum, session) => sum + session.concealment.late, 0),
      };
    },
    close: async () => {
      await Promise.all([...sessions.values()].map((session) => session.close()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
