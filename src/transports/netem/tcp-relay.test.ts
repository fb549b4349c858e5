import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { systemClock } from '../../metrics/clock.js';
import { NO_IMPAIRMENT, type NetworkSpec } from './network-profile.js';
import { TcpRelay } from './tcp-relay.js';
import { retransmissionTimeoutMs } from './tcp-stream.js';

/**
 * The relay with real sockets on loopback: a client writes through it to a server, and the
 * server writes back. Messages carry their send time on the shared clock.
 */
const MESSAGE_BYTES = 16;

interface Pair {
  client: Socket;
  server: Socket;
  relay: TcpRelay | undefined;
  close(): Promise<void>;
}

async function connectPair(spec: NetworkSpec | undefined, seed = 1): Promise<Pair> {
  let accepted: (socket: Socket) => void = () => undefined;
  const serverSocket = new Promise<Socket>((resolve) => (accepted = resolve));
  const listener = createServer({ noDelay: true }, (socket) => accepted(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  const port = (listener.address() as AddressInfo).port;
  const relay = spec ? await TcpRelay.start({ clock: systemClock, spec, seed, key: 'test', target: { host: '127.0.0.1', port } }) : undefined;
  const client = createConnection({ host: '127.0.0.1', port: relay?.port ?? port, noDelay: true });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const server = await serverSocket;
  return {
    client,
    server,
    relay,
    close: async () => {
      client.destroy();
      server.destroy();
      await relay?.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/** One-way times of `count` timestamped messages written every `spacingMs` from `from` to `to`. */
async function oneWay(from: Socket, to: Socket, count: number, spacingMs: number): Promise<number[]> {
  const delays: number[] = [];
  let pending = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    to.on('data', (data: Buffer) => {
      const nowMs = systemClock.nowMs();
      pending = Buffer.concat([pending, data]);
      while (pending.length >= MESSAGE_BYTES) {
        delays.push(nowMs - pending.readDoubleBE(0));
        pending = pending.subarray(MESSAGE_BYTES);
      }
      if (delays.length === count) resolve();
    });
  });
  const startMs = systemClock.nowMs();
  for (let i = 0; i < count; i++) {
    await systemClock.sleepUntil(startMs + i * spacingMs);
    const message = Buffer.alloc(MESSAGE_BYTES);
    message.writeDoubleBE(systemClock.nowMs(), 0);
    from.write(message);
  }
  await done;
  to.removeAllListeners('data');
  return delays;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

test('a delay of D adds D ± 1 ms each way', async (t) => {
  const direct = await connectPair(undefined);
  const baseMs = median(await oneWay(direct.client, direct.server, 40, 5));
  await direct.close();
  const delayMs = 25;
  const pair = await connectPair({ ...NO_IMPAIRMENT, delayMs });
  t.after(() => pair.close());
  for (const [from, to, name] of [
    [pair.client, pair.server, 'uplink'],
    [pair.server, pair.client, 'downlink'],
  ] as const) {
    const added = (await oneWay(from, to, 40, 5)).map((ms) => ms - baseMs);
    assert.ok(Math.abs(median(added) - delayMs) <= 1, `${name}: median added ${median(added).toFixed(2)} ms`);
    assert.ok(added.filter((ms) => Math.abs(ms - delayMs) <= 1).length >= 30, `${name}: ${added.map((ms) => ms.toFixed(1)).join(' ')}`);
  }
});

test('bandwidth caps throughput', async (t) => {
  const rateBps = 4e6;
  const pair = await connectPair({ ...NO_IMPAIRMENT, bandwidthBps: rateBps });
  t.after(() => pair.close());
  const totalBytes = 200_000;
  let receivedBytes = 0;
  const startMs = systemClock.nowMs();
  const done = new Promise<number>((resolve) => {
    pair.server.on('data', (data: Buffer) => {
      receivedBytes += data.length;
      if (receivedBytes === totalBytes) resolve(systemClock.nowMs());
    });
  });
  pair.client.write(Buffer.alloc(totalBytes, 7));
  const measuredBps = (totalBytes * 8) / (((await done) - startMs) / 1000);
  assert.ok(Math.abs(measuredBps - rateBps) / rateBps < 0.05, `measured ${(measuredBps / 1e6).toFixed(3)} Mbit/s at a 4 Mbit/s cap`);
});

test('under loss every byte arrives, in order, and the relay counts the lost segments and their stalls', async (t) => {
  const spec = { ...NO_IMPAIRMENT, delayMs: 2, loss: 0.1 };
  const pair = await connectPair(spec, 4);
  t.after(() => pair.close());
  const count = 150;
  const received: number[] = [];
  let pending = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    pair.server.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4) {
        received.push(pending.readUInt32BE(0));
        pending = pending.subarray(4);
      }
      if (received.length === count) resolve();
    });
  });
  const startMs = systemClock.nowMs();
  for (let i = 0; i < count; i++) {
    await systemClock.sleepUntil(startMs + i * 4);
    const message = Buffer.alloc(4);
    message.writeUInt32BE(i, 0);
    pair.client.write(message);
  }
  await done;
  assert.deepEqual(received, Array.from({ length: count }, (_, i) => i));
  const uplink = pair.relay?.stats().uplink;
  assert.ok(uplink && uplink.lost > 0 && uplink.stallsMs.length === uplink.lost, `lost ${uplink?.lost}`);
  // the next segment follows ~4 ms later and its acknowledgement takes a round trip of 4 ms; a lost
  // retransmission waits for the timer, and a loss behind a stall waits behind it
  const rtoMs = retransmissionTimeoutMs(spec);
  for (const stallMs of uplink?.stallsMs ?? []) assert.ok(stallMs >= 4 && stallMs < 4 * rtoMs, `stall ${stallMs} ms`);
  assert.ok((uplink?.stallsMs ?? []).filter((ms) => ms < 40).length > (uplink?.lost ?? 0) / 2);
});
