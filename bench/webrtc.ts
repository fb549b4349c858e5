import { RtpHeader, RtpPacket } from 'werift';
import { CODEC_NAMES, createDecoder, createEncoder } from '../src/audio/codecs.js';
import { FRAME_MS, FRAME_SAMPLES } from '../src/audio/pcm.js';
import { systemClock } from '../src/metrics/clock.js';
import type { TurnRecord } from '../src/report/result.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { channelOpen, connected, createPeer, EVENTS_CHANNEL, gatheringComplete } from '../src/transports/webrtc/webrtc-peer.js';
import { percentile, round } from './accuracy.js';

export interface LatencyRow {
  measure: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const row = (measure: string, values: number[]): LatencyRow => ({ measure, samples: values.length, p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)), maxMs: round(Math.max(...values)) });

/** Two werift peers in this process, connected the way the webrtc transport connects them. */
async function connectPair(): Promise<{ connectMs: number; caller: ReturnType<typeof createPeer>; agent: ReturnType<typeof createPeer>; send: (payload: Buffer) => void; sendEvent: (text: string) => void; onRtp: (fn: (payload: Buffer) => void) => void; onEvent: (fn: (text: string) => void) => void }> {
  const startMs = systemClock.nowMs();
  const caller = createPeer(['opus']);
  const agent = createPeer(['opus']);
  const transceiver = caller.addTransceiver('audio', { direction: 'sendrecv' });
  const channel = caller.createDataChannel(EVENTS_CHANNEL);
  let rtpHandler: (payload: Buffer) => void = () => undefined;
  let eventHandler: (text: string) => void = () => undefined;
  agent.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => rtpHandler(rtp.payload)));
  agent.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((data) => eventHandler(String(data))));
  await caller.setLocalDescription(await caller.createOffer());
  await gatheringComplete(caller);
  await agent.setRemoteDescription({ type: 'offer', sdp: caller.localDescription?.sdp ?? '' });
  agent.getTransceivers()[0]?.setDirection('sendrecv');
  await agent.setLocalDescription(await agent.createAnswer());
  await gatheringComplete(agent);
  await caller.setRemoteDescription({ type: 'answer', sdp: agent.localDescription?.sdp ?? '' });
  await connected(caller, 10_000);
  const connectMs = systemClock.nowMs() - startMs;
  await channelOpen(channel, 10_000);
  let sequenceNumber = 0;
  return {
    connectMs,
    caller,
    agent,
    send: (payload) => {
      const header = new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 960 });
      sequenceNumber++;
      void transceiver.sender.sendRtp(new RtpPacket(header, payload));
    },
    sendEvent: (text) => channel.send(text),
    onRtp: (fn) => (rtpHandler = fn),
    onEvent: (fn) => (eventHandler = fn),
  };
}

/**
 * WebRTC on loopback: set-up time cold (first in the process) and warm; one-way latency of an
 * RTP packet (the audio path, SRTP included) and of a data-channel message (the event path,
 * SCTP over DTLS), stamped with the host monotonic clock at send; and the codecs' CPU cost.
 */
export async function benchWebRtc(packets = 1000): Promise<{ transport: LatencyRow[]; codecs: LatencyRow[] }> {
  const connects: number[] = [];
  let pair = await connectPair();
  connects.push(pair.connectMs);
  for (let i = 0; i < 5; i++) {
    await pair.caller.close();
    await pair.agent.close();
    pair = await connectPair();
    connects.push(pair.connectMs);
  }
  const rtp: number[] = [];
  const events: number[] = [];
  pair.onRtp((payload) => rtp.push(systemClock.nowMs() - payload.readDoubleLE(0)));
  pair.onEvent((text) => events.push(systemClock.nowMs() - Number(text)));
  const startMs = systemClock.nowMs();
  for (let i = 0; i < packets; i++) {
    await systemClock.sleepUntil(startMs + (i + 1) * FRAME_MS);
    const payload = Buffer.alloc(80); // about an Opus voice frame
    payload.writeDoubleLE(systemClock.nowMs(), 0);
    pair.send(payload);
    pair.sendEvent(String(systemClock.nowMs()));
  }
  await systemClock.sleep(200);
  await pair.caller.close();
  await pair.agent.close();

  // codec cost per 20 ms frame, on the corpus's speech
  const speech = (await loadCorpus(DEFAULT_CORPUS_DIR)).map((utterance) => utterance.samples);
  const frames = speech.flatMap((samples) => Array.from({ length: Math.floor(samples.length / FRAME_SAMPLES) }, (_, i) => samples.slice(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)));
  const codecs: LatencyRow[] = [];
  for (const name of CODEC_NAMES) {
    const encoder = await createEncoder(name);
    const decoder = await createDecoder(name);
    const encodeMs: number[] = [];
    const decodeMs: number[] = [];
    for (const frame of frames) {
      const t0 = systemClock.nowMs();
      const payload = encoder.encode(frame);
      const t1 = systemClock.nowMs();
      decoder.decode(payload);
      decodeMs.push(systemClock.nowMs() - t1);
      encodeMs.push(t1 - t0);
    }
    encoder.close();
    decoder.close();
    codecs.push(row(`${name} encode (16 kHz frame → payload)`, encodeMs.slice(50)), row(`${name} decode (payload → 16 kHz frame)`, decodeMs.slice(50)));
  }
  return {
    transport: [
      row('connect, cold (offer → ICE + DTLS connected)', connects.slice(0, 1)),
      row('connect, warm', connects.slice(1)),
      row('RTP one-way (caller → agent, SRTP)', rtp),
      row('data channel one-way (SCTP over DTLS)', events),
    ],
    codecs,
  };
}

/** How much of v2v the transport holds: the first audio's trip, the playout buffer, and the unexplained rest. */
export function transportShare(turns: readonly TurnRecord[]): { meanV2vMs: number; downlinkMs: number; playoutMs: number; otherMs: number; transportShare: string } {
  const mean = (pick: (turn: TurnRecord) => number): number => turns.reduce((sum, turn) => sum + pick(turn), 0) / turns.length;
  const v2v = mean((turn) => turn.spans.v2v ?? 0);
  const downlink = mean((turn) => turn.waterfall?.downlink ?? 0);
  const playout = mean((turn) => turn.waterfall?.playout ?? 0);
  const other = mean((turn) => turn.waterfall?.other ?? 0);
  return { meanV2vMs: round(v2v), downlinkMs: round(downlink), playoutMs: round(playout), otherMs: round(other), transportShare: `${(((downlink + playout + other) / v2v) * 100).toFixed(1)} %` };
}
