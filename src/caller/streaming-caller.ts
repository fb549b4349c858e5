import type { SpokenChunk } from '../agent/truncation.js';
import { FRAME_MS, FRAME_SAMPLES } from '../audio/pcm.js';
import { TransportError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { computeAgentSpans, type SpanValues } from '../metrics/spans.js';
import { Timeline } from '../metrics/timeline.js';
import type { Utterance } from '../scenarios/utterance.js';
import { agentMarksOnly } from '../transports/agent-marks.js';
import type { AgentMessage, CallerMessage } from '../transports/stream-protocol.js';
import { Playout } from './playout.js';
import { firstSpeechFrame, lastSpeechFrame } from './replay.js';
import { judgeBargeIn, wordEndMs, type BargeInPlan, type PlannedTurn, type TurnResult } from './turn-plan.js';
import { agentStage, TurnError } from './turn-error.js';

/** How long the microphone streams silence after the recording while waiting for the agent to answer. */
const MAX_WAIT_FOR_RESPONSE_MS = 5_000;
/** A started response must finish within this. */
const MAX_RESPONSE_MS = 60_000;

/**
 * What a streaming transport gives the caller: frames and messages out, frames and messages in.
 * The WebSocket sends both on one socket; WebRTC sends frames as RTP and messages on a data channel.
 */
export interface CallerLink {
  sendFrame(frame: Int16Array): void;
  sendMessage(message: CallerMessage): void;
  /** Registers the handlers; `arrivalMs` is when the frame reached the caller (before any decoding). */
  listen(handlers: {
    frame: (frame: Int16Array, arrivalMs: number) => void;
    message: (message: AgentMessage) => void;
    /** A frame or message the agent sent that breaks the protocol. */
    protocolError: (problem: string) => void;
    closed: (why: TransportError) => void;
  }): void;
}

export interface StreamingCallerOptions {
  clock: Clock;
  /** Send the corpus transcript and speech-end frame as hints (the sim STT and the uplink span read them). */
  sendHints: boolean;
  /** Playback starts this long after the first bot frame arrives (and again after running dry). */
  jitterBufferMs: number;
  /**
   * The client buffers the bot's audio and obeys `audio.pause` / `audio.resume` /
   * `response.interrupted` on it (WebSocket). A WebRTC client cannot hold or drop what is in its
   * jitter buffer: the bot falls silent when the RTP stops and the buffer has played out.
   */
  holdsPlayback: boolean;
  /**
   * The agent runs on another clock (a voicebench target): its marks never enter the caller's
   * timeline; its events count at their arrival (`eou` at the `vad` eou message,
   * `agent.bargein_detected` at `audio.pause`), and its own stage spans come as durations.
   */
  remote?: boolean;
}

/** One utterance of the call and the answer to it, as the caller follows them. */
interface Exchange {
  index: number;
  utterance: Utterance;
  timeline: Timeline;
  playout: Playout;
  /** Frame of the turn's schedule where this utterance's recording starts. */
  startFrame: number;
  responseStartedAtMs: number | undefined;
  eouBeforeSpeechEnd: boolean;
  /** The answer's chunks as announced (`response.text`), for `afterBotWords`. */
  texts: { text: string; audioStartMs: number }[];
  done: { reply: string; audioMs: number | undefined; contextInterrupted: string | undefined } | undefined;
  interrupted: { reply: string; heardMs: number; chunks: SpokenChunk[] } | undefined;
  pausedAtMs: number | undefined;
  pausedMs: number;
  falseInterruptions: number;
  /** Audio received after `caller.bargein_start`. */
  leakMs: number;
  /** A remote agent's stage spans, from its own marks. */
  agentSpans: SpanValues | undefined;
}

/** The turn in progress: the caller's utterance, and the one it speaks over the answer, if any. */
interface TurnInProgress {
  main: Exchange;
  bargeIn: { plan: BargeInPlan; exchange: Exchange | undefined } | undefined;
  error: TurnError | undefined;
}

function samplesFrameCount(utterance: Utterance): number {
  return Math.ceil(utterance.samples.length / FRAME_SAMPLES);
}

/**
 * The streaming caller, whatever carries it: streams the utterance as 20 ms frames in real time
 * from its first sample (no endpointing of its own), keeps the microphone open with silence
 * until the agent's response has been sent, and plays the bot's frames out in real time. A
 * scripted barge-in is spoken into the same microphone stream, over the bot's answer.
 */
export class StreamingCaller {
  #turn: TurnInProgress | undefined;
  #closed: TransportError | undefined;
  readonly #pongs = new Map<string | number, () => void>();

  constructor(
    private readonly options: StreamingCallerOptions,
    private readonly link: CallerLink,
  ) {
    link.listen({
      frame: (frame, arrivalMs) => this.onFrame(frame, arrivalMs),
      message: (message) => this.onMessage(message),
      protocolError: (problem) => {
        if (this.#turn) this.#turn.error ??= new TurnError('agent', `protocol error from the agent: ${problem}`);
      },
      closed: (why) => {
        this.#closed = why;
      },
    });
  }

  /** Unmeasured: round trips on the open connection so the first measured turn pays no JIT warm-up. */
  async warmUp(signal: AbortSignal): Promise<void> {
    for (let id = 0; id < 20; id++) {
      signal.throwIfAborted();
      if (this.#closed) throw this.#closed;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TransportError('the agent did not answer a ping within 5 s')), 5_000);
        this.#pongs.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        this.link.sendMessage({ type: 'ping', id });
      });
    }
  }

  private newExchange(index: number, utterance: Utterance, startFrame: number): Exchange {
    const timeline = new Timeline(this.options.clock);
    return {
      index,
      utterance,
      timeline,
      playout: new Playout(timeline, this.options.jitterBufferMs),
      startFrame,
      responseStartedAtMs: undefined,
      eouBeforeSpeechEnd: false,
      texts: [],
      done: undefined,
      interrupted: undefined,
      pausedAtMs: undefined,
      pausedMs: 0,
      falseInterruptions: 0,
      leakMs: 0,
      agentSpans: undefined,
    };
  }

  private announce(exchange: Exchange): void {
    const { utterance, index } = exchange;
    this.link.sendMessage({ type: 'turn.start', turn: index, ...(this.options.sendHints ? { transcript: utterance.transcript, speechEndFrame: lastSpeechFrame(utterance.speechEndMs) } : {}) });
  }

  /** Runs one turn: one result, or two when the caller's barge-in became the next turn. */
  async runTurn(plan: PlannedTurn, turnIndex: number, signal: AbortSignal): Promise<TurnResult[]> {
    const { clock } = this.options;
    const main = this.newExchange(turnIndex, plan.utterance, 0);
    const turn: TurnInProgress = { main, bargeIn: plan.bargeIn ? { plan: plan.bargeIn, exchange: undefined } : undefined, error: undefined };
    this.#turn = turn;
    try {
      this.announce(main);
      const startMs = clock.nowMs();
      const silence = new Int16Array(FRAME_SAMPLES);
      let waitedMs = 0;
      for (let index = 0; ; index++) {
        await clock.sleepUntil(startMs + (index + 1) * FRAME_MS, signal);
        const sentAtMs = clock.nowMs();
        this.throwIfEnded(turn);
        const bargeIn = turn.bargeIn;
        if (bargeIn && !bargeIn.exchange && this.bargeInDue(main, bargeIn.plan, sentAtMs)) {
          bargeIn.exchange = this.newExchange(turnIndex + 1, bargeIn.plan.utterance, index);
          this.announce(bargeIn.exchange);
        }
        const speaking = bargeIn?.exchange && index - bargeIn.exchange.startFrame < samplesFrameCount(bargeIn.exchange.utterance) ? bargeIn.exchange : index < samplesFrameCount(main.utterance) ? main : undefined;
        const frame = speaking ? this.frameOf(speaking, index, sentAtMs) : silence;
        this.link.sendFrame(frame);
        if (this.finished(turn, speaking, index)) break;
        // the agent must answer whatever was said last
        const waiting = bargeIn?.exchange ?? main;
        if (!speaking && waiting.responseStartedAtMs === undefined && !(waiting === main && main.interrupted)) {
          waitedMs += FRAME_MS;
          if (waitedMs > MAX_WAIT_FOR_RESPONSE_MS) {
            throw new TurnError('endpointing', `${waiting.utterance.path}: the agent did not answer within ${MAX_WAIT_FOR_RESPONSE_MS} ms of silence after the recording (did its VAD hear the speech?)`);
          }
        } else waitedMs = 0;
        if (waiting.responseStartedAtMs !== undefined && sentAtMs - waiting.responseStartedAtMs > MAX_RESPONSE_MS) {
          throw new TurnError('agent', `the agent's response did not finish within ${MAX_RESPONSE_MS / 1000} s`);
        }
      }
      // the microphone goes quiet; the rest of the reply plays out
      const last = turn.bargeIn?.exchange?.done ? turn.bargeIn.exchange : main;
      await clock.sleepUntil(Math.max(last.playout.drainedAtMs ?? 0, main.playout.drainedAtMs ?? 0, clock.nowMs()), signal);
      this.throwIfEnded(turn);
      return this.results(turn);
    } finally {
      this.#turn = undefined;
    }
  }

  /** The frame of `exchange`'s recording at schedule position `index`, marking where its speech starts and ends. */
  private frameOf(exchange: Exchange, index: number, sentAtMs: number): Int16Array {
    const { utterance, timeline } = exchange;
    const offset = index - exchange.startFrame;
    if (offset === firstSpeechFrame(utterance.speechStartMs)) {
      timeline.mark('caller.speech_start', sentAtMs);
      if (exchange !== this.#turn?.main) this.#turn?.main.timeline.mark('caller.bargein_start', sentAtMs);
    }
    if (offset === lastSpeechFrame(utterance.speechEndMs)) timeline.mark('caller.speech_end', sentAtMs);
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(utterance.samples.subarray(offset * FRAME_SAMPLES, (offset + 1) * FRAME_SAMPLES));
    return frame;
  }

  /** Whether the barge-in's moment has come: after so much of the bot's audible audio, or its Nth word. */
  private bargeInDue(main: Exchange, plan: BargeInPlan, nowMs: number): boolean {
    if (main.interrupted) return false;
    if (plan.afterBotAudioMs !== undefined) {
      const firstPlayedMs = main.timeline.get('caller.first_audio_played');
      return firstPlayedMs !== undefined && nowMs >= firstPlayedMs + plan.afterBotAudioMs;
    }
    if (plan.afterBotWords !== undefined) {
      const endMs = wordEndMs(main.texts, main.done?.audioMs, plan.afterBotWords);
      return endMs !== undefined && main.playout.playedMs(nowMs) >= endMs;
    }
    return false;
  }

  /** Whether the microphone can stop: every answer the turn waits for has been sent. */
  private finished(turn: TurnInProgress, speaking: Exchange | undefined, index: number): boolean {
    const { main } = turn;
    const bargeIn = turn.bargeIn;
    if (!bargeIn) return main.done !== undefined;
    const spoken = bargeIn.exchange;
    if (!spoken) {
      // the answer played out before the barge-in point: nothing left to speak over
      const drainedAtMs = main.playout.drainedAtMs;
      return main.done !== undefined && drainedAtMs !== undefined && this.options.clock.nowMs() > drainedAtMs;
    }
    if (spoken.done) return true;
    const spokeItAll = speaking !== spoken && index >= spoken.startFrame;
    // a backchannel that did not interrupt: done once it is said and the answer is sent
    return bargeIn.plan.expect === 'continue' && spokeItAll && !main.interrupted && main.done !== undefined && !main.playout.paused;
  }

  private results(turn: TurnInProgress): TurnResult[] {
    const { main } = turn;
    const clockNow = this.options.clock.nowMs();
    if (!main.timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered with silence: no audible audio in its response');
    if (main.eouBeforeSpeechEnd) throw this.earlyEndOfUtterance(main);
    const reply = main.done?.reply ?? main.interrupted?.reply ?? '';
    const agentSpans = (exchange: Exchange): Pick<TurnResult, 'agentSpans'> => (exchange.agentSpans ? { agentSpans: exchange.agentSpans } : {});
    if (!turn.bargeIn) return [{ utterance: main.utterance, timeline: main.timeline, reply, ...agentSpans(main) }];
    const { plan, exchange: spoken } = turn.bargeIn;
    if (main.interrupted === undefined && plan.expect === 'interrupt' && main.timeline.has('caller.bargein_start')) {
      // never interrupted: the bot fell silent only when its answer ended
      main.timeline.mark('caller.last_bot_audio', main.playout.lastHeardAt(clockNow));
    }
    const outcome = judgeBargeIn(
      {
        utterance: plan.utterance.id,
        expect: plan.expect,
        spoken: spoken !== undefined,
        interrupted: main.interrupted !== undefined,
        falseInterruptions: main.falseInterruptions,
        pausedMs: main.pausedMs,
        heardMs: main.playout.playedMs(clockNow),
        ...(main.interrupted ? { truncated: main.interrupted.reply } : {}),
        ...(spoken?.done?.contextInterrupted === undefined ? {} : { contextInterrupted: spoken.done.contextInterrupted }),
      },
      main.interrupted?.chunks ?? [],
    );
    const results: TurnResult[] = [{ utterance: main.utterance, timeline: main.timeline, reply, bargeIn: outcome, ...(spoken ? { bargeInLeakMs: main.leakMs } : {}), ...agentSpans(main) }];
    if (spoken?.done) {
      if (!spoken.timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered the interruption with silence');
      results.push({ utterance: spoken.utterance, timeline: spoken.timeline, reply: spoken.done.reply, interrupting: true, ...agentSpans(spoken) });
    }
    return results;
  }

  private earlyEndOfUtterance(exchange: Exchange): TurnError {
    return new TurnError(
      'endpointing',
      `${exchange.utterance.path}: the agent declared end of utterance before the speech ended at ${exchange.utterance.speechEndMs} ms: it heard a silence inside the utterance longer than the silence timeout (a pause in the recording, or speech lost on the network and concealed as silence; raise --silence-timeout)`,
    );
  }

  /** The agent's marks: into the timeline when it shares the caller's clock, else only as its own spans. */
  private adoptMarks(exchange: Exchange, reported: Record<string, number>, nowMs: number): void {
    const marks = agentMarksOnly(reported);
    if (!this.options.remote) {
      exchange.timeline.merge(marks);
      return;
    }
    exchange.agentSpans = computeAgentSpans(marks);
    // an interruption it reported without pausing first was detected no later than it arrived
    if (marks['agent.bargein_detected'] !== undefined && exchange.timeline.has('caller.bargein_start')) exchange.timeline.mark('agent.bargein_detected', nowMs);
  }

  private throwIfEnded(turn: TurnInProgress): void {
    if (turn.error) throw turn.error;
    if (this.#closed) throw new TurnError('transport', this.#closed.message, { cause: this.#closed });
  }

  /** The exchange a message or frame belongs to. */
  private exchange(index: number): Exchange | undefined {
    const turn = this.#turn;
    if (!turn) return undefined;
    if (turn.main.index === index) return turn.main;
    const spoken = turn.bargeIn?.exchange;
    return spoken?.index === index ? spoken : undefined;
  }

  private onFrame(frame: Int16Array, arrivalMs: number): void {
    const turn = this.#turn;
    if (!turn) return; // audio of a turn already given up on
    const { main } = turn;
    const spoken = turn.bargeIn?.exchange;
    // bot audio comes in order: the main answer's, then (once it is over) the answer to the barge-in
    const target = spoken && (main.interrupted || main.done) && (main.interrupted || spoken.responseStartedAtMs !== undefined) ? spoken : main;
    try {
      if (target === main && main.timeline.has('caller.bargein_start')) main.leakMs += FRAME_MS;
      target.playout.push(frame, arrivalMs);
    } catch (err) {
      turn.error ??= err instanceof TurnError ? err : new TurnError('agent', String(err));
    }
  }

  private onMessage(message: AgentMessage): void {
    const turn = this.#turn;
    const nowMs = this.options.clock.nowMs();
    switch (message.type) {
      case 'pong': {
        const resolve = this.#pongs.get(message.id);
        this.#pongs.delete(message.id);
        resolve?.();
        return;
      }
      case 'error':
        if (turn) turn.error ??= new TurnError(agentStage(message.stage), `the agent reported ${message.code}: ${message.message}`);
        return;
      case 'session.ready':
      case 'transcript.partial':
      case 'transcript.final':
        return;
    }
    if (!turn) return;
    const exchange = this.exchange(message.turn);
    if (!exchange) {
      // an end of utterance declared in a pause of the speech makes the rest of it a new turn
      turn.error ??= turn.main.eouBeforeSpeechEnd
        ? this.earlyEndOfUtterance(turn.main)
        : new TurnError('agent', `the agent sent ${message.type} for turn ${message.turn} while turn ${turn.main.index} was in progress`);
      return;
    }
    switch (message.type) {
      case 'vad':
        if (message.state === 'eou' && !exchange.timeline.has('caller.speech_end')) exchange.eouBeforeSpeechEnd = exchange === turn.main;
        if (message.state === 'eou' && this.options.remote && exchange.timeline.has('caller.speech_end')) exchange.timeline.mark('eou', nowMs);
        return;
      case 'response.start':
        exchange.responseStartedAtMs ??= nowMs;
        return;
      case 'response.text':
        exchange.texts.push({ text: message.text, audioStartMs: message.audioStartMs });
        return;
      case 'audio.pause':
        if (this.options.remote && exchange.timeline.has('caller.bargein_start')) exchange.timeline.mark('agent.bargein_detected', nowMs);
        if (this.options.holdsPlayback) exchange.playout.pause(nowMs);
        exchange.pausedAtMs ??= nowMs;
        return;
      case 'audio.resume':
        if (this.options.holdsPlayback) exchange.playout.resume(nowMs);
        if (exchange.pausedAtMs !== undefined) exchange.pausedMs += nowMs - exchange.pausedAtMs;
        exchange.pausedAtMs = undefined;
        exchange.falseInterruptions++;
        return;
      case 'response.interrupted':
        this.adoptMarks(exchange, message.marks, nowMs);
        exchange.interrupted = { reply: message.reply, heardMs: message.heardMs, chunks: message.chunks };
        exchange.timeline.mark('caller.last_bot_audio', exchange.playout.clear(nowMs));
        return;
      case 'response.done':
        this.adoptMarks(exchange, message.marks, nowMs);
        exchange.done = { reply: message.reply, audioMs: message.audioMs, contextInterrupted: message.contextInterrupted };
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled agent message ${JSON.stringify(unknown)}`);
      }
    }
  }
}
