import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { FRAME_MS } from '../src/audio/pcm.js';
import { systemClock } from '../src/metrics/clock.js';
import { NO_IMPAIRMENT } from '../src/transports/netem/network-profile.js';
import { TcpRelay } from '../src/transports/netem/tcp-relay.js';
import { UdpRelay } from '../src/transports/netem/udp-relay.js';
import { percentile, round } from './accuracy.js';

export interface RelayOverheadRow {
  path: string;
  direction: string;
  packets: number;
  directP50Ms: number;
  relayedP50Ms: number;
  overheadP50Ms: number;
  relayedP99Ms: number;
}

/** A voice frame's size on the wire: 640 bytes of PCM (ws) or an Opus/SRTP packet well under it. */
const PACKET_BYTES = 640;

function stamped(): Buffer {
  const packet = Buffer.alloc(PACKET_BYTES);
  packet.writeDoubleBE(systemClock.nowMs(), 0);
  return packet;
}

/** Sends `count` stamped packets each way at once, one every 20 ms, and returns each direction's one-way times. */
async function bothWays(count: number, send: (direction: 'up' | 'down', packet: Buffer) => void, received: { up: number[]; down: number[] }): Promise<void> {
  const startMs = systemClock.nowMs();
  for (let i = 0; i < count; i++) {
    await systemClock.sleepUntil(startMs + (i + 1) * FRAME_MS);
    send('up', stamped());
    send('down', stamped());
  }
  await systemClock.sleep(100);
  if (received.up.length < count * 0.99 || received.down.length < count * 0.99) throw new Error(`lost packets on loopback: ${received.up.length}/${received.down.length} of ${count}`);
}

async function udpSocket(): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket;
}

async function udpOneWay(count: number, relayed: boolean): Promise<{ up: number[]; down: number[] }> {
  const caller = await udpSocket();
  const agent = await udpSocket();
  const received = { up: [] as number[], down: [] as number[] };
  agent.on('message', (packet: Buffer) => received.up.push(systemClock.nowMs() - packet.readDoubleBE(0)));
  caller.on('message', (packet: Buffer) => received.down.push(systemClock.nowMs() - packet.readDoubleBE(0)));
  const relay = relayed ? await UdpRelay.start({ clock: systemClock, spec: NO_IMPAIRMENT, seed: 1, key: 'bench' }) : undefined;
  const callerAt = caller.address();
  const agentAt = agent.address();
  relay?.connect(callerAt, agentAt);
  relay?.startLoss();
  const toAgent = relay?.callerFacing ?? agentAt;
  const toCaller = relay?.agentFacing ?? callerAt;
  await bothWays(count, (direction, packet) => (direction === 'up' ? caller.send(packet, toAgent.port, toAgent.address) : agent.send(packet, toCaller.port, toCaller.address)), received);
  relay?.close();
  caller.close();
  agent.close();
  return received;
}

async function tcpOneWay(count: number, relayed: boolean): Promise<{ up: number[]; down: number[] }> {
  let accepted: (socket: Socket) => void = () => undefined;
  const agentSocket = new Promise<Socket>((resolve) => (accepted = resolve));
  const server = createServer({ noDelay: true }, (socket) => accepted(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const relay = relayed ? await TcpRelay.start({ clock: systemClock, spec: NO_IMPAIRMENT, seed: 1, key: 'bench', target: { host: '127.0.0.1', port } }) : undefined;
  const caller = createConnection({ host: '127.0.0.1', port: relay?.port ?? port, noDelay: true });
  await new Promise<void>((resolve) => caller.once('connect', () => resolve()));
  const agent = await agentSocket;
  const received = { up: [] as number[], down: [] as number[] };
  const reader = (into: number[]) => {
    let pending = Buffer.alloc(0);
    return (data: Buffer): void => {
      const nowMs = systemClock.nowMs();
      pending = Buffer.concat([pending, data]);
      while (pending.length >= PACKET_BYTES) {
        into.push(nowMs - pending.readDoubleBE(0));
        pending = pending.subarray(PACKET_BYTES);
      }
    };
  };
  agent.on('data', reader(received.up));
  caller.on('data', reader(received.down));
  await bothWays(count, (direction, packet) => (direction === 'up' ? caller.write(packet) : agent.write(packet)), received);
  caller.destroy();
  agent.destroy();
  await relay?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return received;
}

/**
 * What the relays themselves cost at profile none (no delay, jitter, loss or bandwidth): the
 * one-way time of a 640-byte packet every 20 ms, both directions at once as in a call, relayed
 * and direct, in the same process on the shared clock.
 */
export async function benchRelayOverhead(count = 1000): Promise<RelayOverheadRow[]> {
  const rows: RelayOverheadRow[] = [];
  for (const [path, oneWay] of [
    ['udp (webrtc)', udpOneWay],
    ['tcp (rest, ws)', tcpOneWay],
  ] as const) {
    const direct = await oneWay(count, false);
    const relayed = await oneWay(count, true);
    for (const direction of ['up', 'down'] as const) {
      const directP50Ms = percentile(direct[direction], 50);
      const relayedP50Ms = percentile(relayed[direction], 50);
      rows.push({
        path,
        direction: direction === 'up' ? 'caller → agent' : 'agent → caller',
        packets: relayed[direction].length,
        directP50Ms: round(directP50Ms),
        relayedP50Ms: round(relayedP50Ms),
        overheadP50Ms: round(relayedP50Ms - directP50Ms),
        relayedP99Ms: round(percentile(relayed[direction], 99)),
      });
    }
  }
  return rows;
}
