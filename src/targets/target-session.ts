import { TargetCall } from '../caller/target-call.js';
import type { PlannedTurn, TurnResult } from '../caller/turn-plan.js';
import { TurnError } from '../caller/turn-error.js';
import { credentialHint, type TargetSpec } from '../config/target-config.js';
import { TransportError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { computeSpans } from '../metrics/spans.js';
import { Timeline } from '../metrics/timeline.js';
import type { TransportDetails } from '../report/result.js';
import { WsCaller } from '../transports/ws/ws-caller.js';
import { dialWebSocket } from './dial.js';
import { RealtimeClient } from './openai-realtime/realtime-client.js';
import { TwilioClient } from './twilio/twilio-client.js';

/** One connected call to a target, whatever its protocol. */
interface OpenCall {
  runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]>;
  hangUp(): Promise<void>;
}

/**
 * A target as a column of the run: a call per pass through the scenario's turns (a phone call,
 * a Realtime session), each dialled afresh, its set-up timed as `connect` (the first call cold,
 * the others warm) and kept out of every turn. A call that cannot be set up, or whose connection
 * drops, fails its turns; the next call dials again.
 */
export class TargetSession {
  #call: OpenCall | undefined;
  #failure: TransportError | undefined;
  #calls = 0;
  readonly #connectMs: number[] = [];

  constructor(
    readonly spec: TargetSpec,
    private readonly clock: Clock,
  ) {}

  /**
   * Hangs up the call in progress and dials a new one. The first call's failure is thrown (the
   * run cannot measure this target); a later one fails that call's turns.
   */
  async startCall(signal: AbortSignal): Promise<void> {
    await this.hangUp();
    const first = this.#calls === 0;
    this.#calls++;
    const setUp = new Timeline(this.clock);
    setUp.mark('caller.connect_start');
    try {
      this.#call = await this.dial(signal);
      setUp.mark('caller.connected');
      this.#connectMs.push(computeSpans(setUp.toRecord()).connect ?? NaN);
      this.#failure = undefined;
    } catch (err) {
      if (first || signal.aborted) throw err;
      this.#failure = err as TransportError;
    }
  }

  private async dial(signal: AbortSignal): Promise<OpenCall> {
    const { spec, clock } = this;
    const dialled = await dialWebSocket(spec.url, spec.headers, signal, credentialHint(spec));
    try {
      switch (spec.protocol) {
        case 'voicebench': {
          // the agent speaks only once the session is asked for: nothing can have come yet
          const early = dialled.inbox.release();
          if (early.length > 0) throw new TransportError(`the agent sent ${early.length} message(s) before session.start`);
          const caller = await WsCaller.over(dialled.socket, { clock, callId: `${spec.name}-${this.#calls}`, sendHints: spec.hints, remote: true }, signal);
          return { runTurn: (plan, turnIndex, turnSignal) => caller.runTurn(plan, turnIndex, turnSignal), hangUp: async () => caller.close() };
        }
        case 'twilio': {
          const client = await TwilioClient.start(dialled, clock, spec.twilio ?? { mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 }, customParameters: {} }, spec.hints);
          return this.blackBoxCall(client, false, signal);
        }
        case 'openai-realtime': {
          if (!spec.realtime) throw new Error(`target ${spec.name} has no Realtime settings`);
          const client = await RealtimeClient.start(dialled, clock, spec.realtime, spec.hints, signal);
          return this.blackBoxCall(client, true, signal);
        }
      }
    } catch (err) {
      dialled.socket.terminate();
      throw err;
    }
  }

  private blackBoxCall(client: TwilioClient | RealtimeClient, endsReplies: boolean, signal: AbortSignal): OpenCall {
    const call = new TargetCall({ clock: this.clock, answerTimeoutMs: this.spec.answerTimeoutMs, replyGapMs: this.spec.replyGapMs, endsReplies }, client);
    call.start(signal);
    return {
      runTurn: (plan, turnIndex, turnSignal) => call.runTurn(plan, turnIndex, turnSignal),
      hangUp: async () => {
        await call.stop();
        await client.close();
      },
    };
  }

  async runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    if (this.#failure) throw new TurnError('transport', `the call could not be set up: ${this.#failure.message}`, { cause: this.#failure });
    if (!this.#call) throw new TurnError('transport', 'no call in progress');
    return this.#call.runTurn(plan, turnIndex, signal);
  }

  /** Call set-up times: the first call's is cold, the rest warm. */
  details(): TransportDetails {
    const [cold, ...warm] = this.#connectMs;
    return { connect: { ...(cold === undefined ? {} : { coldMs: cold }), warmMs: warm } };
  }

  private async hangUp(): Promise<void> {
    const call = this.#call;
    this.#call = undefined;
    await call?.hangUp();
  }

  async close(): Promise<void> {
    await this.hangUp();
  }
}
