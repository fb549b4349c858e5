import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { FRAME_MS, FRAME_SAMPLES } from '../src/audio/pcm.js';
import { systemClock } from '../src/metrics/clock.js';
import { decodeFrame, encodeFrame } from '../src/transports/stream-protocol.js';
import { percentile, round } from './accuracy.js';

export interface FrameLatencyRow {
  direction: string;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * One-way latency of a 20 ms audio frame over a loopback WebSocket, both directions at once as
 * in a call: each side sends a frame every 20 ms on a drift-free schedule, stamping the send
 * time (host monotonic clock) in the first samples; the receiver subtracts it on arrival.
 */
export async function benchWsFrames(frames = 1000): Promise<FrameLatencyRow[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const uplink: number[] = [];
  const downlink: number[] = [];
  const agentSide = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const caller = new WebSocket(url);
  await new Promise<void>((resolve) => caller.once('open', () => resolve()));
  const agent = await agentSide;
  const receiveInto = (into: number[]) => (data: RawData) => {
    const arrivalMs = systemClock.nowMs();
    const decoded = decodeFrame(data as Buffer);
    if (decoded.ok) into.push(arrivalMs - readStamp(decoded.frame));
  };
  agent.on('message', receiveInto(uplink));
  caller.on('message', receiveInto(downlink));
  const send = async (socket: WebSocket): Promise<void> => {
    const startMs = systemClock.nowMs();
    for (let i = 0; i < frames; i++) {
      await systemClock.sleepUntil(startMs + (i + 1) * FRAME_MS);
      const frame = new Int16Array(FRAME_SAMPLES);
      writeStamp(frame, systemClock.nowMs());
      socket.send(encodeFrame(frame));
    }
  };
  await Promise.all([send(caller), send(agent)]);
  await systemClock.sleep(100);
  caller.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const row = (direction: string, values: number[]): FrameLatencyRow => ({ direction, frames: values.length, p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)), maxMs: round(Math.max(...values)) });
  return [row('caller → agent', uplink), row('agent → caller', downlink)];
}

/** The send time in the frame's first four samples, as a float64's bits. */
function writeStamp(frame: Int16Array, atMs: number): void {
  new Float64Array(frame.buffer, 0, 1)[0] = atMs;
}

function readStamp(frame: Int16Array): number {
  return new Float64Array(frame.buffer, frame.byteOffset, 1)[0] ?? NaN;
}
