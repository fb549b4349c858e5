import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { systemClock } from '../../metrics/clock.js';
import { NO_IMPAIRMENT, type NetworkSpec } from './network-profile.js';
import { UdpRelay, UDP_QUEUE_LIMIT_MS } from './udp-relay.js';

/**
 * The relay with real sockets on loopback: a "caller" socket sends numbered datagrams through
 * it to an "agent" socket, and each datagram's one-way time is taken on the shared clock.
 */
interface Received {
  index: number;
  sentMs: number;
  arrivedMs: number;
}

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket;
}

async function sendThrough(spec: NetworkSpec, options: { count: number; spacingMs: number; bytes?: number; seed?: number; settled?: boolean; direct?: boolean }): Promise<{ received: Received[]; relay: UdpRelay | undefined }> {
  const caller = await bound();
  const agent = await bound();
  const relay = options.direct ? undefined : await UdpRelay.start({ clock: systemClock, spec, seed: options.seed ?? 1, key: 'test' });
  const callerAddress = caller.address();
  const agentAddress = agent.address();
  relay?.connect({ address: callerAddress.address, port: callerAddress.port }, { address: agentAddress.address, port: agentAddress.port });
  if (options.settled) relay?.startLoss();
  const target = relay?.callerFacing ?? { address: agentAddress.address, port: agentAddress.port };
  const received: Received[] = [];
  agent.on('message', (packet: Buffer) => {
    received.push({ index: packet.readUInt32BE(0), sentMs: packet.readDoubleBE(4), arrivedMs: systemClock.nowMs() });
  });
  const startMs = systemClock.nowMs();
  for (let index = 0; index < options.count; index++) {
    if (options.spacingMs > 0) await systemClock.sleepUntil(startMs + index * options.spacingMs);
    const packet = Buffer.alloc(options.bytes ?? 64);
    packet.writeUInt32BE(index, 0);
    packet.writeDoubleBE(systemClock.nowMs(), 4);
    caller.send(packet, target.port, target.address);
  }
  const settleMs = spec.delayMs + 4 * spec.jitterMs + (spec.bandwidthBps > 0 ? UDP_QUEUE_LIMIT_MS : 0) + 50;
  await systemClock.sleep(settleMs);
  relay?.close();
  caller.close();
  agent.close();
  return { received, relay };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

test('a delay of D adds D ± 1 ms to each datagram', async () => {
  const direct = await sendThrough(NO_IMPAIRMENT, { count: 50, spacingMs: 5, direct: true });
  const baseMs = median(direct.received.map((r) => r.arrivedMs - r.sentMs));
  for (const delayMs of [10, 40]) {
    const { received } = await sendThrough({ ...NO_IMPAIRMENT, delayMs }, { count: 50, spacingMs: 5 });
    assert.equal(received.length, 50);
    const added = received.map((r) => r.arrivedMs - r.sentMs - baseMs);
    const within = added.filter((ms) => Math.abs(ms - delayMs) <= 1).length;
    assert.ok(Math.abs(median(added) - delayMs) <= 1, `median added ${median(added).toFixed(2)} ms for D=${delayMs}`);
    assert.ok(within >= 38, `${within} of 50 within D ± 1 ms for D=${delayMs}: ${added.map((ms) => ms.toFixed(1)).join(' ')}`);
  }
});

test('loss of p% over N datagrams falls within the binomial bound, and nothing is lost during set-up', async () => {
  const spec = { ...NO_IMPAIRMENT, loss: 0.1 };
  const n = 1_000;
  const quiet = await sendThrough(spec, { count: 100, spacingMs: 0 });
  assert.equal(quiet.received.length, 100, 'set-up traffic is not dropped');
  const { received, relay } = await sendThrough(spec, { count: n, spacingMs: 0.5, settled: true });
  const lost = n - received.length;
  const sd = Math.sqrt(n * 0.1 * 0.9);
  assert.ok(Math.abs(lost - n * 0.1) <= 4 * sd, `${lost} of ${n} lost at 10%`);
  assert.equal(relay?.stats().uplink.lost, lost, 'the relay counts what it dropped');
});

test('the same seed drops the same datagrams; another seed others', async () => {
  const spec = { ...NO_IMPAIRMENT, loss: 0.2, burst: 2 };
  const run = async (seed: number): Promise<number[]> => (await sendThrough(spec, { count: 300, spacingMs: 0.5, seed, settled: true })).received.map((r) => r.index);
  const first = await run(5);
  assert.deepEqual(await run(5), first);
  assert.notDeepEqual(await run(6), first);
});

test('jitter spreads the delay with its standard deviation and reorders datagrams closer than it', async () => {
  const { received, relay } = await sendThrough({ ...NO_IMPAIRMENT, delayMs: 30, jitterMs: 8 }, { count: 300, spacingMs: 2, settled: true });
  const delays = received.map((r) => r.arrivedMs - r.sentMs);
  const mean = delays.reduce((sum, value) => sum + value, 0) / delays.length;
  const sd = Math.sqrt(delays.reduce((sum, value) => sum + (value - mean) ** 2, 0) / delays.length);
  assert.ok(Math.abs(mean - 30) < 2, `mean ${mean.toFixed(2)}`);
  assert.ok(Math.abs(sd - 8) < 1.5, `sd ${sd.toFixed(2)}`);
  const outOfOrder = received.filter((r, i) => i > 0 && r.index < (received[i - 1] as Received).index).length;
  assert.ok(outOfOrder > 50, `${outOfOrder} arrived after a later-sent datagram`);
  assert.ok((relay?.stats().uplink.reordered ?? 0) > 50);
});

test('bandwidth caps throughput, and a full queue drops what would wait too long', async () => {
  const bytes = 1_000;
  const rateBps = 1e6;
  const { received } = await sendThrough({ ...NO_IMPAIRMENT, bandwidthBps: rateBps }, { count: 20, spacingMs: 0, bytes });
  assert.equal(received.length, 20);
  const spanMs = (received.at(-1)?.arrivedMs ?? 0) - (received[0]?.sentMs ?? 0);
  const measuredBps = (20 * bytes * 8) / (spanMs / 1000);
  assert.ok(Math.abs(measuredBps - rateBps) / rateBps < 0.05, `measured ${(measuredBps / 1e6).toFixed(3)} Mbit/s at a 1 Mbit/s cap`);
  const flood = await sendThrough({ ...NO_IMPAIRMENT, bandwidthBps: rateBps }, { count: 60, spacingMs: 0, bytes });
  const fits = Math.floor(UDP_QUEUE_LIMIT_MS / ((bytes * 8 * 1000) / rateBps)) + 1;
  assert.ok(Math.abs(flood.received.length - fits) <= 1, `${flood.received.length} of 60 delivered; the 200 ms queue holds ${fits}`);
  assert.equal(flood.relay?.stats().uplink.queueDrops, 60 - flood.received.length);
});
