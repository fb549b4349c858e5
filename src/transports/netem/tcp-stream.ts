import type { Clock } from '../../metrics/clock.js';
import type { Scheduler } from './delivery-timer.js';
import { LinkImpairment } from './impairment.js';
import { SeededRandom } from '../../seeded-random.js';
import { emptyLinkStats, MAX_RECORDED_LOSSES, recordLoss, type LinkStats } from './link-stats.js';
import type { NetworkSpec } from './network-profile.js';

/** A TCP segment's payload on an Ethernet path (1500-byte MTU less IP and TCP headers with timestamps). */
export const MSS_BYTES = 1448;
/** Linux's floor on the retransmission timeout (TCP_RTO_MIN). */
export const MIN_RTO_MS = 200;
/** Retransmissions of one segment before the model stops backing off (Linux gives up far later). */
const MAX_ATTEMPTS = 6;

/**
 * The retransmission timeout the model's sender uses: its round trip plus Linux's 200 ms floor on
 * the variance term (RFC 6298 with TCP_RTO_MIN), so ≥ 200 ms however short the path.
 */
export function retransmissionTimeoutMs(spec: NetworkSpec): number {
  return 2 * spec.delayMs + Math.max(MIN_RTO_MS, 4 * spec.jitterMs);
}

interface Segment {
  data: Buffer;
  /** When it would have arrived had it not been lost. */
  nominalMs: number;
  /** When it arrives; undefined while the sender has not yet learned it was lost. */
  arriveMs: number | undefined;
  lost?: { sentMs: number; attempts: number; retransmitDelayMs: number };
}

/**
 * One direction of a TCP connection across the impaired link, as the receiver sees it.
 *
 * A userspace relay cannot lose a segment of a connection it does not own, so loss is modelled by
 * what TCP makes of it: the lost segment arrives only after its retransmission, and everything
 * behind it waits (head-of-line blocking), because TCP delivers in order. The sender learns of a
 * loss from the acknowledgement of a later segment (SACK, RACK, fast retransmit): one round trip
 * after that segment was sent; when nothing follows, from its retransmission timer
 * (`retransmissionTimeoutMs`). A retransmission can be lost too, and is then retried at twice
 * the timeout, doubling each time (RFC 6298 backoff). Delay, jitter and bandwidth apply to every segment; segments never
 * overtake one another.
 */
export class TcpStreamImpairment {
  readonly stats: LinkStats = emptyLinkStats();
  readonly #link: LinkImpairment;
  readonly #retransmits: SeededRandom;
  readonly #queue: Segment[] = [];
  #index = 0;
  #lastArriveMs = -Infinity;
  #queuedBytes = 0;
  /** Lost segments whose loss the sender has not yet learned of. */
  #unlearned = 0;
  /** Called after each delivery. */
  onDelivered: (() => void) | undefined;

  constructor(
    private readonly spec: NetworkSpec,
    seed: number,
    key: string,
    private readonly clock: Clock,
    private readonly timer: Scheduler,
    private readonly deliver: (data: Buffer) => void,
  ) {
    this.#link = new LinkImpairment(spec, seed, key);
    this.#retransmits = new SeededRandom(seed, `${key}|retransmit`);
  }

  /** Bytes read from the sender and not yet delivered (the relay's stand-in for TCP's window). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes the sender wrote, read by the relay at `atMs`. */
  push(data: Buffer, atMs = this.clock.nowMs()): void {
    for (let offset = 0; offset < data.length; offset += MSS_BYTES) {
      this.pushSegment(data.subarray(offset, Math.min(data.length, offset + MSS_BYTES)), atMs);
    }
    this.pump();
  }

  private pushSegment(data: Buffer, atMs: number): void {
    const index = this.#index++;
    this.stats.packets++;
    this.#queuedBytes += data.length;
    const lost = this.#link.lossProcess.next();
    const nominalMs = this.#link.bottleneck.depart(atMs, data.length) + this.#link.delayMs();
    const segment: Segment = { data, nominalMs, arriveMs: lost ? undefined : nominalMs };
    if (lost) {
      recordLoss(this.stats, index);
      let attempts = 1;
      while (attempts < MAX_ATTEMPTS && this.#retransmits.next() < this.spec.loss) attempts++;
      segment.lost = { sentMs: atMs, attempts, retransmitDelayMs: this.#link.delayMs() };
      this.#unlearned++;
      this.timer.schedule(atMs + retransmissionTimeoutMs(this.spec), () => this.retransmit(segment, atMs + retransmissionTimeoutMs(this.spec)));
    } else if (this.#unlearned > 0) {
      // the acknowledgement of this segment tells the sender of every earlier loss still unknown
      const learnedMs = nominalMs + this.spec.delayMs;
      for (const earlier of this.#queue) {
        if (earlier.arriveMs === undefined && earlier.lost) this.retransmit(earlier, Math.min(learnedMs, earlier.lost.sentMs + retransmissionTimeoutMs(this.spec)));
      }
    }
    this.#queue.push(segment);
  }

  /** The sender learned at `learnedMs` that `segment` was lost and sends it again (and again if that copy is lost too). */
  private retransmit(segment: Segment, learnedMs: number): void {
    if (segment.arriveMs !== undefined || !segment.lost) return;
    this.#unlearned--;
    const rtoMs = retransmissionTimeoutMs(this.spec);
    let sentMs = learnedMs;
    for (let attempt = 1; attempt < segment.lost.attempts; attempt++) sentMs += rtoMs * 2 ** (attempt - 1);
    segment.arriveMs = this.#link.bottleneck.depart(sentMs, segment.data.length) + segment.lost.retransmitDelayMs;
    this.pump();
  }

  /** Hands over, in order, every segment at the head whose arrival is known. */
  private pump(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Segment;
      if (head.arriveMs === undefined) return;
      this.#queue.shift();
      const arriveMs = Math.max(head.arriveMs, this.#lastArriveMs);
      this.#lastArriveMs = arriveMs;
      if (head.lost && this.stats.stallsMs.length < MAX_RECORDED_LOSSES) this.stats.stallsMs.push(arriveMs - head.nominalMs);
      this.timer.schedule(arriveMs, () => {
        this.#queuedBytes -= head.data.length;
        this.deliver(head.data);
        this.onDelivered?.();
      });
    }
  }
}
