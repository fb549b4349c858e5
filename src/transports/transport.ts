import type { ChunkingOptions } from '../agent/chunking.js';
import type { VadModel } from '../audio/vad.js';
import type { Clock } from '../metrics/clock.js';
import type { ChunkingPolicy } from '../agent/chunking.js';
import type { Pipeline } from '../providers/types.js';
import type { TransportName } from '../report/result.js';
import type { Utterance } from '../scenarios/utterance.js';
import type { TurnResult } from './rest/rest-caller.js';
import { RestCaller } from './rest/rest-caller.js';
import { startRestAgent } from './rest/rest-agent.js';
import { WsCaller } from './ws/ws-caller.js';
import { startWsAgent } from './ws/ws-agent.js';

export const TRANSPORT_NAMES: readonly TransportName[] = ['rest', 'ws'];

/** Each transport's default chunking policy reproduces its architecture (DESIGN.md §3). */
export const DEFAULT_CHUNKING: Record<TransportName, ChunkingPolicy> = { rest: 'full', ws: 'sentence' };

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
  callId: string;
  signal: AbortSignal;
}

/** A caller and an agent connected by one transport, for the turns of one run. */
export interface TransportSession {
  /** Unmeasured: connects and exercises the path once so turn 0 is not a connection benchmark. */
  warmUp(signal: AbortSignal): Promise<void>;
  runTurn(utterance: Utterance, turnIndex: number, signal: AbortSignal): Promise<TurnResult>;
  close(): Promise<void>;
}

export async function openTransport(name: TransportName, deps: TransportDeps): Promise<TransportSession> {
  switch (name) {
    case 'rest': {
      const agent = await startRestAgent({ pipeline: deps.pipeline, clock: deps.clock });
      const caller = new RestCaller({
        agentUrl: agent.url,
        clock: deps.clock,
        vadModel: deps.vadModel,
        silenceTimeoutMs: deps.silenceTimeoutMs,
        callId: deps.callId,
        sendTranscriptHint: true,
      });
      return {
        warmUp: (signal) => caller.warmUp(signal),
        runTurn: (utterance, turnIndex, signal) => caller.runTurn(utterance, turnIndex, signal),
        close: async () => {
          caller.close();
          await agent.close();
        },
      };
    }
    case 'ws': {
      const agent = await startWsAgent({
        pipeline: deps.pipeline,
        clock: deps.clock,
        vadModel: deps.vadModel,
        silenceTimeoutMs: deps.silenceTimeoutMs,
        chunking: deps.chunking,
        maxAheadMs: deps.maxAheadMs,
      });
      let caller: WsCaller;
      try {
        caller = await WsCaller.connect({ agentUrl: agent.url, clock: deps.clock, callId: deps.callId, sendHints: true }, deps.signal);
      } catch (err) {
        await agent.close();
        throw err;
      }
      return {
        warmUp: (signal) => caller.warmUp(signal),
        runTurn: (utterance, turnIndex, signal) => caller.runTurn(utterance, turnIndex, signal),
        close: async () => {
          caller.close();
          await agent.close();
        },
      };
    }
  }
}
