import type { ChunkingOptions } from '../agent/chunking.js';
import type { StreamingAgentOptions } from '../agent/streaming-call.js';
import type { VadModel } from '../audio/vad.js';
import type { Clock } from '../metrics/clock.js';
import type { ChunkingPolicy } from '../agent/chunking.js';
import type { Pipeline } from '../providers/types.js';
import type { TransportName } from '../report/result.js';
import type { PlannedTurn, TurnResult } from '../caller/turn-plan.js';
import { RestCaller } from './rest/rest-caller.js';
import { startRestAgent } from './rest/rest-agent.js';
import type { CodecName } from '../audio/codecs.js';
import type { TransportDetails } from '../report/result.js';
import { WebRtcCaller, type ConnectSample, type WebRtcCallerOptions } from './webrtc/webrtc-caller.js';
import { isImpaired, type NetworkSpec } from './netem/network-profile.js';
import { TcpRelay } from './netem/tcp-relay.js';
import { startWebRtcAgent } from './webrtc/webrtc-agent.js';
import { WsCaller } from './ws/ws-caller.js';
import { startWsAgent } from './ws/ws-agent.js';

export const TRANSPORT_NAMES: readonly TransportName[] = ['rest', 'ws', 'webrtc'];

/** Each transport's default chunking policy reproduces its architecture (DESIGN.md §3). */
export const DEFAULT_CHUNKING: Record<TransportName, ChunkingPolicy> = { rest: 'full', ws: 'sentence', webrtc: 'phrase' };

/** A browser's jitter buffer starts around 40 ms on a clean network (WebRTC's NetEq target floor is similar). */
export const DEFAULT_JITTER_BUFFER_MS = 40;

/**
 * A WebRTC sender paces RTP in real time (one frame of lead): the caller's jitter buffer, not a
 * send-ahead buffer, absorbs jitter, so when the agent stops sending, the bot falls silent as
 * soon as the jitter buffer has played out, with no buffer the client could be told to drop.
 */
export const WEBRTC_MAX_AHEAD_MS = 20;

/** Extra connections the WebRTC warm-up sets up and tears down, to report warm set-up apart from cold. */
const WARM_CONNECTS = 3;

/** Transports whose agent streams its answer; REST returns one file, so its policy is always `full`. */
export function isStreamingTransport(name: TransportName): boolean {
  return name !== 'rest';
}

export interface TransportDeps {
  pipeline: Pipeline;
  clock: Clock;
  vadModel: VadModel;
  silenceTimeoutMs: number;
  chunking: ChunkingOptions;
  maxAheadMs: number;
  bargeInMinSpeechMs: number;
  callId: string;
  signal: AbortSignal;
  /** WebRTC only. */
  codec: CodecName;
  jitterBufferMs: number;
  /** The impaired network between caller and agent; none (loopback, no relay) when absent. */
  network?: { spec: NetworkSpec; seed: number };
}

/** A caller and an agent connected by one transport, for the turns of one run. */
export interface TransportSession {
  /** Unmeasured: connects and exercises the path once so turn 0 is not a connection benchmark. */
  warmUp(signal: AbortSignal): Promise<void>;
  /** One scripted turn: one result, or two when a barge-in became the next turn. */
  runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]>;
  /** What the transport measured outside the turns (WebRTC: set-up time, RTP packets). */
  details?(): TransportDetails;
  close(): Promise<void>;
}

/** A session whose caller closes at once and whose agent closes after it. */
function callerAndAgent(
  caller: Pick<TransportSession, 'warmUp' | 'runTurn'> & { close(): void },
  agent: { close(): Promise<void> },
): TransportSession {
  return {
    warmUp: (signal) => caller.warmUp(signal),
    runTurn: (plan, turnIndex, signal) => caller.runTurn(plan, turnIndex, signal),
    close: async () => {
      caller.close();
      await agent.close();
    },
  };
}

function streamingAgentOptions(deps: TransportDeps): StreamingAgentOptions {
  const { pipeline, clock, vadModel, silenceTimeoutMs, chunking, maxAheadMs, bargeInMinSpeechMs } = deps;
  return { pipeline, clock, vadModel, silenceTimeoutMs, chunking, maxAheadMs, bargeInMinSpeechMs };
}

/** A TCP relay in front of the agent when the network is impaired: the caller connects to it instead. */
async function tcpPath(deps: TransportDeps, agentUrl: string, key: string): Promise<{ url: string; relay: TcpRelay | undefined }> {
  const network = deps.network;
  if (!network || !isImpaired(network.spec)) return { url: agentUrl, relay: undefined };
  const target = new URL(agentUrl);
  const relay = await TcpRelay.start({ clock: deps.clock, spec: network.spec, seed: network.seed, key, target: { host: target.hostname, port: Number(target.port) } });
  return { url: relay.route(agentUrl), relay };
}

export async function openTransport(name: TransportName, deps: TransportDeps): Promise<TransportSession> {
  switch (name) {
    case 'rest': {
      const agent = await startRestAgent({ pipeline: deps.pipeline, clock: deps.clock });
      const path = await tcpPath(deps, agent.url, 'rest');
      const caller = new RestCaller({
        agentUrl: path.url,
        clock: deps.clock,
        vadModel: deps.vadModel,
        silenceTimeoutMs: deps.silenceTimeoutMs,
        callId: deps.callId,
        sendTranscriptHint: true,
        bargeInMinSpeechMs: deps.bargeInMinSpeechMs,
      });
      return withTcpRelay(callerAndAgent(caller, agent), path.relay);
    }
    case 'webrtc': {
      const agent = await startWebRtcAgent({ ...streamingAgentOptions(deps), maxAheadMs: Math.min(deps.maxAheadMs, WEBRTC_MAX_AHEAD_MS) });
      const impaired = deps.network && isImpaired(deps.network.spec) ? deps.network : undefined;
      const callerOptions = (key: string): WebRtcCallerOptions => ({
        agentUrl: agent.url,
        clock: deps.clock,
        codec: deps.codec,
        jitterBufferMs: deps.jitterBufferMs,
        sendHints: true,
        ...(impaired ? { network: { spec: impaired.spec, seed: impaired.seed, key } } : {}),
      });
      let caller: WebRtcCaller;
      try {
        caller = await WebRtcCaller.connect(callerOptions('webrtc'), deps.signal);
      } catch (err) {
        await agent.close();
        throw err;
      }
      const connects: ConnectSample[] = [caller.connect];
      return {
        warmUp: async (signal) => {
          for (let i = 0; i < WARM_CONNECTS; i++) {
            const extra = await WebRtcCaller.connect(callerOptions(`webrtc-warm-${i}`), signal);
            connects.push(extra.connect);
            await extra.close();
          }
          await caller.warmUp(signal);
        },
        runTurn: (plan, turnIndex, signal) => caller.runTurn(plan, turnIndex, signal),
        details: () => {
          const uplink = agent.stats();
          const downlink = caller.jitterBuffer.stats;
          const warm = connects.filter((sample) => !sample.cold).map((sample) => sample.connectMs);
          const cold = connects.find((sample) => sample.cold)?.connectMs;
          return {
            connect: { ...(cold === undefined ? {} : { coldMs: cold }), warmMs: warm },
            rtp: {
              codec: deps.codec,
              jitterBufferMs: deps.jitterBufferMs,
              uplink: { packetsReceived: uplink.packetsReceived, packetsLost: uplink.packetsLost, concealed: uplink.concealed, late: uplink.late },
              downlink: { packetsReceived: caller.downlink.received, packetsLost: caller.downlink.lost, concealed: downlink.concealed, late: downlink.late },
            },
            ...(caller.relay ? { network: caller.relay.stats() } : {}),
          };
        },
        close: async () => {
          await caller.close();
          await agent.close();
        },
      };
    }
    case 'ws': {
      const agent = await startWsAgent(streamingAgentOptions(deps));
      let caller: WsCaller;
      let relay: TcpRelay | undefined;
      try {
        const path = await tcpPath(deps, agent.url, 'ws');
        relay = path.relay;
        caller = await WsCaller.connect({ agentUrl: path.url, clock: deps.clock, callId: deps.callId, sendHints: true }, deps.signal);
      } catch (err) {
        await relay?.close();
        await agent.close();
        throw err;
      }
      return withTcpRelay(callerAndAgent(caller, agent), relay);
    }
  }
}

/** The session with the relay's counts in its details, closing the relay after caller and agent. */
function withTcpRelay(session: TransportSession, relay: TcpRelay | undefined): TransportSession {
  if (!relay) return session;
  return {
    ...session,
    details: () => ({ ...session.details?.(), network: relay.stats() }),
    close: async () => {
      await session.close();
      await relay.close();
    },
  };
}
