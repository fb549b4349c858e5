import { SeededRandom } from '../../seeded-random.js';
import type { NetworkSpec } from './network-profile.js';

/**
 * Packet loss with a mean burst length: independent (Bernoulli) losses when `burst` is 1;
 * otherwise the two-state Gilbert–Elliott chain in its Gilbert form (every packet lost in the
 * bad state, none in the good one), with P(bad→good) = 1/burst so bursts last `burst` packets
 * on average, and P(good→bad) chosen so the long-run loss is `loss`.
 */
export class LossProcess {
  #bad = false;
  readonly #enter: number;
  readonly #leave: number;

  constructor(
    private readonly loss: number,
    private readonly burst: number,
    private readonly random: SeededRandom,
  ) {
    this.#leave = 1 / burst;
    this.#enter = loss >= 1 ? 1 : (loss * this.#leave) / (1 - loss);
  }

  /** Whether the next packet is lost. */
  next(): boolean {
    if (this.loss <= 0) return false;
    const draw = this.random.next();
    if (this.burst <= 1) return draw < this.loss;
    this.#bad = this.#bad ? draw >= this.#leave : draw < this.#enter;
    return this.#bad;
  }
}

/**
 * The bottleneck link of one direction: packets are serialized one after another at the
 * profile's rate, so a burst queues and a large transfer takes as long as the rate allows.
 */
export class Bottleneck {
  #freeAtMs = 0;

  constructor(private readonly bandwidthBps: number) {}

  /** When a packet of `bytes` that reached the link at `atMs` has left it. */
  depart(atMs: number, bytes: number): number {
    if (this.bandwidthBps <= 0) return atMs;
    const startMs = Math.max(atMs, this.#freeAtMs);
    this.#freeAtMs = startMs + (bytes * 8 * 1000) / this.bandwidthBps;
    return this.#freeAtMs;
  }

  /** How long a packet arriving at `atMs` would wait for the link. */
  queuedMs(atMs: number): number {
    return Math.max(0, this.#freeAtMs - atMs);
  }
}

/** The seeded decisions for one direction of one link: loss, delay and the bottleneck. */
export class LinkImpairment {
  readonly random: SeededRandom;
  readonly lossProcess: LossProcess;
  readonly bottleneck: Bottleneck;

  constructor(
    readonly spec: NetworkSpec,
    seed: number,
    key: string,
  ) {
    this.random = new SeededRandom(seed, key);
    this.lossProcess = new LossProcess(spec.loss, spec.burst, new SeededRandom(seed, `${key}|loss`));
    this.bottleneck = new Bottleneck(spec.bandwidthBps);
  }

  /** One packet's propagation delay: the profile's delay plus normal jitter, never below zero. */
  delayMs(): number {
    if (this.spec.jitterMs <= 0) return this.spec.delayMs;
    return Math.max(0, this.spec.delayMs + this.spec.jitterMs * this.random.normal());
  }
}
