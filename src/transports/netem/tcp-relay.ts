import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Clock } from '../../metrics/clock.js';
import { DeliveryTimer } from './delivery-timer.js';
import { addLinkStats, emptyLinkStats, type NetworkLinkStats } from './link-stats.js';
import type { NetworkSpec } from './network-profile.js';
import { TcpStreamImpairment } from './tcp-stream.js';

/**
 * Bytes the relay holds for one direction before it stops reading from the sender: the stand-in
 * for TCP's window, so a sender that outruns the link feels backpressure in its own socket buffer.
 */
export const RELAY_WINDOW_BYTES = 64 * 1024;

export interface TcpRelayOptions {
  clock: Clock;
  spec: NetworkSpec;
  seed: number;
  /** Names this link's random streams: connection n of a relay uses `${key}#n`. */
  key: string;
  /** Where the agent listens. */
  target: { host: string; port: number };
}

/**
 * A userspace TCP relay in front of an agent: the caller connects to it, it connects to the
 * agent, and each direction of each connection crosses a TcpStreamImpairment. Connections are
 * numbered in the order they are accepted, and each has its own seeded decisions.
 */
export class TcpRelay {
  readonly #connections = new Set<Socket>();
  /** Each accepted connection's two directions, in the order accepted. */
  readonly #links: { uplink: TcpStreamImpairment; downlink: TcpStreamImpairment }[] = [];
  readonly #timer: DeliveryTimer;

  private constructor(
    private readonly server: Server,
    private readonly options: TcpRelayOptions,
  ) {
    this.#timer = new DeliveryTimer(options.clock);
    server.on('connection', (client) => this.accept(client));
  }

  static async start(options: TcpRelayOptions, host = '127.0.0.1'): Promise<TcpRelay> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TcpRelay(server, options);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `url` with its host and port replaced by the relay's. */
  route(url: string): string {
    const routed = new URL(url);
    routed.hostname = (this.server.address() as AddressInfo).address;
    routed.port = String(this.port);
    return routed.href;
  }

  stats(): NetworkLinkStats {
    const total = { uplink: emptyLinkStats(), downlink: emptyLinkStats() };
    for (const connection of this.#links) {
      addLinkStats(total.uplink, connection.uplink.stats);
      addLinkStats(total.downlink, connection.downlink.stats);
    }
    return total;
  }

  async close(): Promise<void> {
    this.#timer.close();
    for (const socket of this.#connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const { clock, spec, seed, key, target } = this.options;
    const connection = this.#links.length;
    const agent = createConnection({ host: target.host, port: target.port, noDelay: true });
    client.setNoDelay(true);
    this.#connections.add(client);
    this.#connections.add(agent);
    const uplink = new TcpStreamImpairment(spec, seed, `${key}#${connection}|uplink`, clock, this.#timer, (data) => {
      if (!agent.destroyed) agent.write(data);
    });
    const downlink = new TcpStreamImpairment(spec, seed, `${key}#${connection}|downlink`, clock, this.#timer, (data) => {
      if (!client.destroyed) client.write(data);
    });
    this.#links.push({ uplink, downlink });
    pipeThrough(client, agent, uplink);
    pipeThrough(agent, client, downlink);
    const closeBoth = (): void => {
      client.destroy();
      agent.destroy();
      this.#connections.delete(client);
      this.#connections.delete(agent);
    };
    client.on('error', closeBoth);
    agent.on('error', closeBoth);
    client.on('close', closeBoth);
    agent.on('close', closeBoth);
  }
}

/** Reads `from`, impairs, writes `to` (in the impairment's deliver); pauses reading while the window is full; ends `to` once all is delivered. */
function pipeThrough(from: Socket, to: Socket, impairment: TcpStreamImpairment): void {
  let ended = false;
  const endWhenDrained = (): void => {
    if (ended && impairment.queuedBytes === 0 && !to.destroyed) to.end();
  };
  const resumeWhenRoom = (): void => {
    if (impairment.queuedBytes < RELAY_WINDOW_BYTES && from.isPaused()) from.resume();
  };
  from.on('data', (data: Buffer) => {
    impairment.push(data);
    if (impairment.queuedBytes >= RELAY_WINDOW_BYTES) from.pause();
  });
  from.on('end', () => {
    ended = true;
    endWhenDrained();
  });
  // deliveries happen on the relay's timer: after each, the window may have room and the stream may be done
  impairment.onDelivered = () => {
    resumeWhenRoom();
    endWhenDrained();
  };
}
