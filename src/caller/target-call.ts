import { firstAudibleSample } from '../audio/audibility.js';
import { FRAME_MS, FRAME_SAMPLES, samplesToMs } from '../audio/pcm.js';
import type { TransportError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import type { Utterance } from '../scenarios/utterance.js';
import { Playout } from './playout.js';
import { firstSpeechFrame, lastSpeechFrame } from './replay.js';
import type { Speaker, TargetLink } from './target-link.js';
import { TurnError } from './turn-error.js';
import { judgeTargetBargeIn, type BargeInPlan, type PlannedTurn, type TurnResult } from './turn-plan.js';

/** A caller waits for a greeting (or an earlier reply's tail) to end before it speaks, but not for ever. */
const MAX_QUIET_WAIT_MS = 30_000;
/** A reply still playing this long after it started is not an answer but a stuck stream. */
const MAX_REPLY_MS = 120_000;
/** The caller keeps timing, not audio, so a target that sends its whole answer at once costs nothing to hold. */
const MAX_BUFFERED_REPLY_MS = 10 * 60_000;

export interface TargetCallOptions {
  clock: Clock;
  /** No audible answer this long after the caller's speech end: the turn fails as `no_answer`. */
  answerTimeoutMs: number;
  /** Replies of protocols that do not say when one ends (twilio) end after this much quiet. */
  replyGapMs: number;
  /** The protocol says when a reply ends (`responseDone`). */
  endsReplies: boolean;
}

/** One utterance of the call and the answer to it, as the caller hears them. */
interface Exchange {
  index: number;
  utterance: Utterance;
  timeline: Timeline;
  playout: Playout;
  /** Frame of the turn's schedule where this utterance's recording starts. */
  startFrame: number;
  /** The protocol's name for the answer, once its audio came. */
  responseId: string | undefined;
  lastAudioAtMs: number | undefined;
  /** The protocol said the answer is complete. */
  doneAtMs: number | undefined;
  /** Only the main exchange: the agent's sign that it heard the caller over it. */
  signalAtMs: number | undefined;
  /** The same answer's audio came again after that sign. */
  resumed: boolean;
  /** Audio received after `caller.bargein_start`. */
  leakMs: number;
  text: string;
}

interface TurnInProgress {
  turnIndex: number;
  main: Exchange;
  bargeIn: { plan: BargeInPlan; exchange: Exchange | undefined } | undefined;
  frame: number;
  error: TurnError | undefined;
  settle: (outcome: { results: TurnResult[] } | { error: unknown }) => void;
}

function recordingFrames(utterance: Utterance): number {
  return Math.ceil(utterance.samples.length / FRAME_SAMPLES);
}

/**
 * One call to a target, from the caller's side only. A microphone streams 20 ms frames for the
 * whole call on one drift-free schedule, silence between turns included, as a phone or a browser
 * does; each turn replaces the silence with its utterance (and a scripted barge-in over the bot),
 * listens to the reply through the caller's loudspeaker and ends once the reply has played out.
 * Every mark is an instant on the caller's clock: the agent's events count at their arrival.
 */
export class TargetCall {
  readonly #silence: Int16Array = new Int16Array(FRAME_SAMPLES);
  /** Audio that came while no turn listened: a greeting, or the tail of a reply that paused too long. */
  readonly #between: Playout;
  #strayAtMs: number | undefined;
  #turn: TurnInProgress | undefined;
  #closed: TransportError | undefined;
  #pendingError: string | undefined;
  #stopped = false;
  #pumping: Promise<void> | undefined;

  constructor(
    private readonly options: TargetCallOptions,
    private readonly link: TargetLink,
  ) {
    this.#between = new Playout(new Timeline(options.clock), 0, MAX_BUFFERED_REPLY_MS);
    link.listen(
      {
        audio: (samples, arrivalMs, responseId) => this.onAudio(samples, arrivalMs, responseId),
        interruption: (arrivalMs) => this.onInterruption(arrivalMs),
        endOfUtterance: (arrivalMs) => this.onEndOfUtterance(arrivalMs),
        responseDone: (arrivalMs, cancelled, responseId) => this.onResponseDone(arrivalMs, cancelled, responseId),
        replyText: (text, responseId) => this.onReplyText(text, responseId),
        protocolError: (problem) => {
          const error = new TurnError('agent', `protocol error from the agent: ${problem}`);
          if (this.#turn) this.#turn.error ??= error;
          else this.#pendingError ??= error.message;
        },
        closed: (why) => {
          this.#closed = why;
        },
      },
      this.speaker(),
    );
  }

  /** Starts the microphone: 20 ms frames from now until `stop`, silence whenever no turn speaks. */
  start(signal: AbortSignal): void {
    this.#pumping ??= this.pump(signal);
  }

  /** Stops the microphone; resolves once its last frame has gone. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#pumping;
  }

  get closed(): TransportError | undefined {
    return this.#closed;
  }

  private async pump(signal: AbortSignal): Promise<void> {
    const { clock } = this.options;
    const startMs = clock.nowMs();
    for (let index = 0; !this.#stopped; index++) {
      try {
        await clock.sleepUntil(startMs + (index + 1) * FRAME_MS, signal);
      } catch {
        return; // the run was interrupted: runTurn rejects on the same signal
      }
      const turn = this.#turn;
      const closed = this.#closed;
      if (closed) {
        // the connection went: later turns fail at once, and so does the turn in progress, unless its answer had come
        if (turn) this.end(turn, this.answeredBefore(turn, closed));
        return;
      }
      let frame: Int16Array = this.#silence;
      let finished = false;
      if (turn) {
        try {
          ({ frame, finished } = this.step(turn, clock.nowMs()));
        } catch (err) {
          this.end(turn, { error: err });
        }
      }
      if (this.#closed) return;
      this.link.sendFrame(frame);
      if (finished && this.#turn === turn && turn) {
        try {
          this.end(turn, { results: this.results(turn) });
        } catch (err) {
          this.end(turn, { error: err });
        }
      }
    }
  }

  /**
   * The outcome of the turn in progress when the agent hung up. An answer whose audio had come
   * (an agent that says goodbye and hangs up) is measured: no more of it can come, and what came
   * was timed on arrival. A turn still waiting for its answer, or with a barge-in to play, fails.
   */
  private answeredBefore(turn: TurnInProgress, closed: TransportError): { results: TurnResult[] } | { error: unknown } {
    if (turn.error || turn.bargeIn || !turn.main.timeline.has('caller.first_audio')) return { error: new TurnError('transport', closed.message, { cause: closed }) };
    try {
      return { results: this.results(turn) };
    } catch (err) {
      return { error: err };
    }
  }

  private end(turn: TurnInProgress, outcome: { results: TurnResult[] } | { error: unknown }): void {
    if (this.#turn !== turn) return;
    this.#turn = undefined;
    turn.settle(outcome);
  }

  /** One scripted turn: one result, or two when the barge-in was answered as the next turn. */
  async runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    if (this.#closed) throw new TurnError('transport', this.#closed.message, { cause: this.#closed });
    if (this.#pendingError !== undefined) {
      const message = this.#pendingError;
      this.#pendingError = undefined;
      throw new TurnError('agent', message);
    }
    await this.untilQuiet(signal);
    return new Promise<TurnResult[]>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.#turn === turn) this.#turn = undefined;
        reject(signal.reason);
      };
      const turn: TurnInProgress = {
        turnIndex,
        main: this.newExchange(turnIndex, plan.utterance, 0),
        bargeIn: plan.bargeIn ? { plan: plan.bargeIn, exchange: undefined } : undefined,
        frame: 0,
        error: undefined,
        settle: (outcome) => {
          signal.removeEventListener('abort', onAbort);
          if ('results' in outcome) resolve(outcome.results);
          else reject(outcome.error);
        },
      };
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#turn = turn;
    });
  }

  /** A caller does not start talking while the bot still is: waits out a greeting or an earlier reply's tail. */
  private async untilQuiet(signal: AbortSignal): Promise<void> {
    const { clock, replyGapMs } = this.options;
    const untilMs = clock.nowMs() + MAX_QUIET_WAIT_MS;
    for (;;) {
      const nowMs = clock.nowMs();
      const talking = this.#between.playingAt(nowMs) || (this.#strayAtMs !== undefined && nowMs - this.#strayAtMs < replyGapMs);
      if (!talking || nowMs >= untilMs || this.#closed) return;
      await clock.sleep(FRAME_MS, signal);
    }
  }

  private newExchange(index: number, utterance: Utterance, startFrame: number): Exchange {
    const timeline = new Timeline(this.options.clock);
    return {
      index,
      utterance,
      timeline,
      playout: new Playout(timeline, 0, MAX_BUFFERED_REPLY_MS),
      startFrame,
      responseId: undefined,
      lastAudioAtMs: undefined,
      doneAtMs: undefined,
      signalAtMs: undefined,
      resumed: false,
      leakMs: 0,
      text: '',
    };
  }

  /** The turn's next microphone frame, and whether the turn is over once it has gone. */
  private step(turn: TurnInProgress, nowMs: number): { frame: Int16Array; finished: boolean } {
    if (turn.error) throw turn.error;
    if (this.#closed) throw new TurnError('transport', this.#closed.message, { cause: this.#closed });
    const { main } = turn;
    const index = turn.frame++;
    if (index === 0) this.link.announce(main.index, main.utterance);
    const bargeIn = turn.bargeIn;
    if (bargeIn && !bargeIn.exchange && this.bargeInDue(main, bargeIn.plan, nowMs)) {
      bargeIn.exchange = this.newExchange(turn.turnIndex + 1, bargeIn.plan.utterance, index);
      this.link.announce(bargeIn.exchange.index, bargeIn.exchange.utterance);
    }
    const spoken = bargeIn?.exchange;
    const speaking = spoken && index - spoken.startFrame < recordingFrames(spoken.utterance) ? spoken : index < recordingFrames(main.utterance) ? main : undefined;
    const frame = speaking ? this.frameOf(turn, speaking, index, nowMs) : this.#silence;
    this.checkAnswered(turn, nowMs);
    return { frame, finished: this.finished(turn, nowMs) };
  }

  /** The frame of `exchange`'s recording at schedule position `index`, marking where its speech starts and ends. */
  private frameOf(turn: TurnInProgress, exchange: Exchange, index: number, sentAtMs: number): Int16Array {
    const { utterance, timeline } = exchange;
    const offset = index - exchange.startFrame;
    if (offset === firstSpeechFrame(utterance.speechStartMs)) {
      timeline.mark('caller.speech_start', sentAtMs);
      if (exchange !== turn.main) turn.main.timeline.mark('caller.bargein_start', sentAtMs);
    }
    if (offset === lastSpeechFrame(utterance.speechEndMs)) timeline.mark('caller.speech_end', sentAtMs);
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(utterance.samples.subarray(offset * FRAME_SAMPLES, (offset + 1) * FRAME_SAMPLES));
    return frame;
  }

  private bargeInDue(main: Exchange, plan: BargeInPlan, nowMs: number): boolean {
    const firstPlayedMs = main.timeline.get('caller.first_audio_played');
    if (plan.afterBotAudioMs === undefined || firstPlayedMs === undefined || this.replyEnded(main, nowMs)) return false;
    return nowMs >= firstPlayedMs + plan.afterBotAudioMs;
  }

  /** The answer has come and played out: the protocol said it was complete, or (twilio) it has been quiet for the reply gap. */
  private replyEnded(exchange: Exchange, nowMs: number): boolean {
    if (exchange.lastAudioAtMs === undefined || exchange.playout.playingAt(nowMs)) return false;
    if (this.options.endsReplies) return exchange.doneAtMs !== undefined;
    const quietSinceMs = Math.max(exchange.lastAudioAtMs, exchange.playout.drainedAtMs ?? 0);
    return nowMs - quietSinceMs >= this.options.replyGapMs;
  }

  /** The utterance the agent owes an answer: the barge-in when it is an interruption, else the turn's. */
  private awaited(turn: TurnInProgress): Exchange {
    const bargeIn = turn.bargeIn;
    return bargeIn?.exchange && bargeIn.plan.expect === 'interrupt' ? bargeIn.exchange : turn.main;
  }

  private checkAnswered(turn: TurnInProgress, nowMs: number): void {
    const waiting = this.awaited(turn);
    const speechEndMs = waiting.timeline.get('caller.speech_end');
    if (speechEndMs === undefined) return;
    if (!waiting.timeline.has('caller.first_audio') && nowMs - speechEndMs > this.options.answerTimeoutMs) {
      throw new TurnError('no_answer', `${waiting.utterance.path}: no audible answer within ${this.options.answerTimeoutMs} ms of the caller's speech end${waiting.timeline.has('caller.first_byte') ? ' (audio came, all of it silent)' : ''}`);
    }
    const firstMs = turn.main.timeline.get('caller.first_byte');
    if (firstMs !== undefined && nowMs - firstMs > MAX_REPLY_MS) throw new TurnError('agent', `the agent's reply did not end within ${MAX_REPLY_MS / 1000} s`);
  }

  private finished(turn: TurnInProgress, nowMs: number): boolean {
    const { main } = turn;
    const mainEnded = this.replyEnded(main, nowMs);
    const spoken = turn.bargeIn?.exchange;
    if (!turn.bargeIn || !spoken) return mainEnded;
    const spokenEndMs = spoken.timeline.get('caller.speech_end');
    const saidItAll = spokenEndMs !== undefined && turn.frame > spoken.startFrame + recordingFrames(spoken.utterance);
    if (!saidItAll) return false;
    if (turn.bargeIn.plan.expect === 'interrupt') return this.replyEnded(spoken, nowMs);
    // a backchannel: done when the bot's answer is over, and whatever it said to the backchannel too
    if (!mainEnded) return false;
    return spoken.lastAudioAtMs !== undefined ? this.replyEnded(spoken, nowMs) : nowMs - spokenEndMs >= this.options.replyGapMs;
  }

  /** Which exchange a reply's audio belongs to. */
  private receiver(turn: TurnInProgress, responseId: string | undefined, nowMs: number): Exchange {
    const { main } = turn;
    const spoken = turn.bargeIn?.exchange;
    if (!turn.bargeIn || !spoken) return main;
    if (responseId !== undefined && main.responseId !== undefined) return responseId === main.responseId ? main : spoken;
    if (turn.bargeIn.plan.expect === 'continue') return main;
    // without response names (twilio): audio after the interruption's speech, once the first answer stopped, answers it
    const stopped = main.signalAtMs !== undefined || this.replyEnded(main, nowMs);
    return spoken.timeline.has('caller.speech_end') && stopped ? spoken : main;
  }

  private onAudio(samples: Int16Array, arrivalMs: number, responseId: string | undefined): void {
    const audible = firstAudibleSample(samples) !== undefined;
    const turn = this.#turn;
    if (!turn) {
      if (audible) this.#strayAtMs = arrivalMs;
      this.#between.push(samples, arrivalMs);
      return;
    }
    const exchange = this.receiver(turn, responseId, arrivalMs);
    if (!exchange.timeline.has('caller.speech_end')) {
      // silence the agent streams before the caller has finished is not an answer; speech is
      if (audible) {
        turn.error ??= new TurnError(
          'agent',
          `${exchange.utterance.path}: the agent's audio was audible before the caller's speech ended (at ${exchange.utterance.speechEndMs} ms of the recording): it answered into a pause or over the caller, or an earlier reply was still coming`,
        );
      }
      return;
    }
    if (exchange === turn.main && exchange.timeline.has('caller.bargein_start')) {
      exchange.leakMs += samplesToMs(samples.length);
      if (exchange.signalAtMs !== undefined && audible) exchange.resumed = true;
    }
    exchange.responseId ??= responseId;
    exchange.lastAudioAtMs = arrivalMs;
    try {
      exchange.playout.push(samples, arrivalMs);
    } catch (err) {
      turn.error ??= err instanceof TurnError ? err : new TurnError('agent', String(err));
    }
  }

  private onInterruption(arrivalMs: number): void {
    const main = this.#turn?.main;
    // a sign before the caller spoke over the bot (some agents clear at every onset) interrupts nothing
    if (!main || !main.timeline.has('caller.bargein_start') || main.signalAtMs !== undefined) return;
    main.signalAtMs = arrivalMs;
    main.timeline.mark('agent.bargein_detected', arrivalMs);
  }

  private onEndOfUtterance(arrivalMs: number): void {
    const turn = this.#turn;
    if (!turn) return;
    const spoken = turn.bargeIn?.exchange;
    const exchange = spoken?.timeline.has('caller.speech_end') ? spoken : turn.main;
    // an end of utterance declared before the speech ended (in a pause) is not this utterance's
    if (exchange.timeline.has('caller.speech_end')) exchange.timeline.mark('eou', arrivalMs);
  }

  private onResponseDone(arrivalMs: number, cancelled: boolean, responseId: string | undefined): void {
    const turn = this.#turn;
    if (!turn) return;
    const { main } = turn;
    const spoken = turn.bargeIn?.exchange;
    let exchange: Exchange;
    if (responseId !== undefined && main.responseId === responseId) exchange = main;
    else if (responseId !== undefined && spoken?.responseId === responseId) exchange = spoken;
    else if (cancelled || main.lastAudioAtMs === undefined || !spoken) exchange = main;
    else exchange = spoken;
    exchange.doneAtMs ??= arrivalMs;
    if (cancelled && exchange === main) this.onInterruption(arrivalMs);
  }

  /** What the client's loudspeaker is to the protocol client: one queue, the current answer first. */
  private speaker(): Speaker {
    const playouts = (): Playout[] => {
      const turn = this.#turn;
      const spoken = turn?.bargeIn?.exchange;
      return [...(turn ? [turn.main.playout] : []), ...(spoken ? [spoken.playout] : []), this.#between];
    };
    return {
      playing: (atMs) => playouts().some((playout) => playout.playingAt(atMs)),
      playedMs: (atMs) => (playouts().find((playout) => playout.playingAt(atMs)) ?? playouts()[0] ?? this.#between).playedMs(atMs),
      queuedUntilMs: () => {
        const ends = playouts().flatMap((playout) => (playout.drainedAtMs === undefined ? [] : [playout.drainedAtMs]));
        return ends.length > 0 ? Math.max(...ends) : undefined;
      },
      drop: (atMs) => {
        const turn = this.#turn;
        for (const playout of playouts()) {
          const heardUntilMs = playout.dropQueued(atMs);
          if (turn && playout === turn.main.playout && turn.main.timeline.has('caller.bargein_start')) turn.main.timeline.mark('caller.last_bot_audio', heardUntilMs);
        }
      },
    };
  }

  private results(turn: TurnInProgress): TurnResult[] {
    const { main } = turn;
    const nowMs = this.options.clock.nowMs();
    if (!main.timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered with silence: no audible audio in its reply');
    if (!turn.bargeIn) return [{ utterance: main.utterance, timeline: main.timeline, reply: main.text }];
    const { plan, exchange: spoken } = turn.bargeIn;
    const outcome = judgeTargetBargeIn({
      utterance: plan.utterance.id,
      expect: plan.expect,
      spoken: spoken !== undefined,
      signalled: main.signalAtMs !== undefined,
      resumed: main.resumed,
      heardMs: main.playout.playedMs(nowMs),
    });
    if (!outcome.interrupted && plan.expect === 'interrupt' && main.timeline.has('caller.bargein_start')) {
      // never interrupted: the bot fell silent only when its answer ended
      main.timeline.mark('caller.last_bot_audio', main.playout.lastHeardAt(nowMs));
    }
    const results: TurnResult[] = [{ utterance: main.utterance, timeline: main.timeline, reply: main.text, bargeIn: outcome, ...(spoken ? { bargeInLeakMs: main.leakMs } : {}) }];
    if (spoken && plan.expect === 'interrupt') {
      if (!spoken.timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered the interruption with silence');
      results.push({ utterance: spoken.utterance, timeline: spoken.timeline, reply: spoken.text, interrupting: true });
    }
    return results;
  }

  /** Reply text the protocol carries (Realtime's audio transcript), for the turn record. */
  private onReplyText(text: string, responseId: string | undefined): void {
    const turn = this.#turn;
    if (!turn) return;
    const exchange = this.receiver(turn, responseId, this.options.clock.nowMs());
    exchange.text += text;
  }
}
