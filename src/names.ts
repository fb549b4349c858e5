/**
 * Names every layer shares (DESIGN.md §7): the built-in transports, the protocols a target can
 * speak, and what a report column is called. A leaf module: it imports nothing.
 */

/** voicebench's own agent, started by the run, over one of its transports. */
export const TRANSPORT_NAMES = ['rest', 'ws', 'webrtc'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** The protocols voicebench speaks as the caller of an agent it did not start (a target). */
export const TARGET_PROTOCOLS = ['twilio', 'openai-realtime', 'voicebench'] as const;
export type TargetProtocol = (typeof TARGET_PROTOCOLS)[number];

/**
 * A column of a run: a built-in transport's name or a target's name. Results, turn records,
 * gates, compare and merge key everything by it.
 */
export type ColumnName = string;

export function isTransportName(name: string): name is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(name);
}

export function isTargetProtocol(name: string): name is TargetProtocol {
  return (TARGET_PROTOCOLS as readonly string[]).includes(name);
}

/** What a target may be called: it names a report column and a gate scope (`{target=NAME}`). */
export const TARGET_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
