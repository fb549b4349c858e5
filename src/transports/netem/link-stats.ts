/** What the impairment did to one direction of a link, for the report. */
export interface LinkStats {
  /** Packets (UDP datagrams, TCP segments) that crossed the impaired link. */
  packets: number;
  /** Lost to the loss process (UDP: never delivered; TCP: delivered after a retransmission stall). */
  lost: number;
  /** UDP: dropped because the bottleneck's queue was full. */
  queueDrops: number;
  /** UDP: delivered before a packet sent earlier. */
  reordered: number;
  /** TCP: how long each lost segment held the stream (its delivery past when it would have arrived), in ms. */
  stallsMs: number[];
  /** Index (0-based) of each lost RTP media packet in its direction's media order (UDP), or of each lost segment (TCP); the first 1000. */
  lostIndexes: number[];
}

export const MAX_RECORDED_LOSSES = 1000;

export function emptyLinkStats(): LinkStats {
  return { packets: 0, lost: 0, queueDrops: 0, reordered: 0, stallsMs: [], lostIndexes: [] };
}

/** A lost packet; `index` is its place in the media (or segment) order, undefined for a control packet. */
export function recordLoss(stats: LinkStats, index: number | undefined): void {
  stats.lost++;
  if (index !== undefined && stats.lostIndexes.length < MAX_RECORDED_LOSSES) stats.lostIndexes.push(index);
}

/** Both directions: `uplink` caller → agent, `downlink` agent → caller. */
export interface NetworkLinkStats {
  uplink: LinkStats;
  downlink: LinkStats;
}

/** Adds `from` into `into` (several connections of one transport). */
export function addLinkStats(into: LinkStats, from: LinkStats): void {
  into.packets += from.packets;
  into.lost += from.lost;
  into.queueDrops += from.queueDrops;
  into.reordered += from.reordered;
  into.stallsMs.push(...from.stallsMs.slice(0, Math.max(0, MAX_RECORDED_LOSSES - into.stallsMs.length)));
  into.lostIndexes.push(...from.lostIndexes.slice(0, Math.max(0, MAX_RECORDED_LOSSES - into.lostIndexes.length)));
}
