import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Clock } from '../../metrics/clock.js';
import { DeliveryTimer } from './delivery-timer.js';
import { LinkImpairment } from './impairment.js';
import { emptyLinkStats, recordLoss, type LinkStats, type NetworkLinkStats } from './link-stats.js';
import type { NetworkSpec } from './network-profile.js';

export interface UdpEndpoint {
  address: string;
  port: number;
}

export interface UdpRelayOptions {
  clock: Clock;
  spec: NetworkSpec;
  seed: number;
  /** Names this link's random streams: the same key and seed give the same decisions. */
  key: string;
}

/**
 * The bottleneck's buffer: a datagram that would wait longer than this for the link is dropped
 * (drop-tail), as a router's queue does once it is full.
 */
export const UDP_QUEUE_LIMIT_MS = 200;

/**
 * RFC 7983 demultiplexing: a first byte of 128–191 is RTP or RTCP; RTCP packet types are
 * 192–223 in the second byte (marker bit included). Media packets have their own loss stream, so
 * which voice frames are lost does not depend on how many control packets went before.
 */
export function isRtpMedia(packet: Buffer): boolean {
  const first = packet[0] ?? 0;
  const second = packet[1] ?? 0;
  return first >= 128 && first <= 191 && !(second >= 192 && second <= 223);
}

/** One direction of the relay: its own seeded decisions and its own bottleneck. */
class UdpDirection {
  readonly stats: LinkStats = emptyLinkStats();
  readonly #media: LinkImpairment;
  readonly #control: LinkImpairment;
  #mediaPackets = 0;
  #latestSentMs = -Infinity;
  #sends = 0;

  constructor(
    options: UdpRelayOptions,
    name: string,
    private readonly timer: DeliveryTimer,
    private readonly send: (packet: Buffer) => void,
  ) {
    this.#media = new LinkImpairment(options.spec, options.seed, `${options.key}|${name}|media`);
    this.#control = new LinkImpairment(options.spec, options.seed, `${options.key}|${name}|control`);
  }

  /**
   * A datagram reached the relay at `atMs`. `settled`: the connection is up, and loss and jitter
   * apply; before, set-up crosses with the delay and bandwidth only (werift's DTLS handshake does
   * not survive reordered or lost flights, and set-up is not what a turn measures).
   */
  push(packet: Buffer, atMs: number, settled: boolean): void {
    const media = isRtpMedia(packet);
    const link = media ? this.#media : this.#control;
    const index = media ? this.#mediaPackets++ : undefined;
    this.stats.packets++;
    const lost = settled && link.lossProcess.next();
    const jitteredMs = link.delayMs();
    const delayMs = settled ? jitteredMs : link.spec.delayMs;
    if (link.bottleneck.queuedMs(atMs) > UDP_QUEUE_LIMIT_MS) {
      this.stats.queueDrops++;
      return;
    }
    const departMs = link.bottleneck.depart(atMs, packet.length);
    if (lost) {
      recordLoss(this.stats, index);
      return;
    }
    const sent = this.#sends++;
    this.timer.schedule(departMs + delayMs, () => {
      if (sent < this.#latestSentMs) this.stats.reordered++;
      this.#latestSentMs = Math.max(this.#latestSentMs, sent);
      this.send(packet);
    });
  }
}

/**
 * A userspace UDP relay between two peers that impairs each datagram with the profile's loss,
 * delay, jitter and bandwidth. Each peer is told the relay's socket facing it is the other peer
 * (the WebRTC caller rewrites the ICE candidates in the offer and the answer), so everything
 * between them, STUN, DTLS, SCTP and SRTP, crosses it. Reordering follows from jitter: a packet
 * whose delay draw is shorter than its predecessor's by more than their spacing overtakes it.
 */
export class UdpRelay {
  #caller: UdpEndpoint | undefined;
  #agent: UdpEndpoint | undefined;
  #settled = false;
  readonly #timer: DeliveryTimer;
  readonly #uplink: UdpDirection;
  readonly #downlink: UdpDirection;

  private constructor(
    clock: Clock,
    private readonly callerSide: Socket,
    private readonly agentSide: Socket,
    options: UdpRelayOptions,
  ) {
    this.#timer = new DeliveryTimer(clock);
    this.#uplink = new UdpDirection(options, 'uplink', this.#timer, (packet) => {
      if (this.#agent) agentSide.send(packet, this.#agent.port, this.#agent.address);
    });
    this.#downlink = new UdpDirection(options, 'downlink', this.#timer, (packet) => {
      if (this.#caller) callerSide.send(packet, this.#caller.port, this.#caller.address);
    });
    callerSide.on('message', (packet: Buffer, from: RemoteInfo) => {
      if (this.#caller && (from.port !== this.#caller.port || from.address !== this.#caller.address)) return;
      this.#uplink.push(packet, clock.nowMs(), this.#settled);
    });
    agentSide.on('message', (packet: Buffer, from: RemoteInfo) => {
      if (this.#agent && (from.port !== this.#agent.port || from.address !== this.#agent.address)) return;
      this.#downlink.push(packet, clock.nowMs(), this.#settled);
    });
  }

  static async start(options: UdpRelayOptions, host = '127.0.0.1'): Promise<UdpRelay> {
    const bind = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', reject);
        socket.bind(0, host, () => {
          socket.off('error', reject);
          resolve(socket);
        });
      });
    const callerSide = await bind();
    const agentSide = await bind().catch((err: unknown) => {
      callerSide.close();
      throw err;
    });
    return new UdpRelay(options.clock, callerSide, agentSide, options);
  }

  /** Where the caller must send to reach the agent (its candidate in the answer the caller sees). */
  get callerFacing(): UdpEndpoint {
    const { address, port } = this.callerSide.address();
    return { address, port };
  }

  /** Where the agent must send to reach the caller (its candidate in the offer the agent sees). */
  get agentFacing(): UdpEndpoint {
    const { address, port } = this.agentSide.address();
    return { address, port };
  }

  /** The real endpoints, taken from the peers' own candidates. */
  connect(caller: UdpEndpoint, agent: UdpEndpoint): void {
    this.#caller = caller;
    this.#agent = agent;
  }

  /** From now on packets are lost and jittered as the profile says (set-up crosses with delay and bandwidth only). */
  startLoss(): void {
    this.#settled = true;
  }

  stats(): NetworkLinkStats {
    return { uplink: this.#uplink.stats, downlink: this.#downlink.stats };
  }

  close(): void {
    this.#timer.close();
    this.callerSide.close();
    this.agentSide.close();
  }
}
