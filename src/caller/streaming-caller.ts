import { FRAME_MS } from '../audio/pcm.js';
import { TransportError } from '../errors.js';
import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import type { Utterance } from '../scenarios/utterance.js';
import { agentMarksOnly } from '../transports/agent-marks.js';
import type { AgentMessage, CallerMessage } from '../transports/stream-protocol.js';
import { Playout } from './playout.js';
import { firstSpeechFrame, lastSpeechFrame, replayFrames } from './replay.js';
import { TurnError } from './turn-error.js';

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
}

/** What the caller is waiting for in the turn in progress. */
interface TurnInProgress {
  index: number;
  timeline: Timeline;
  playout: Playout;
  responseStartedAtMs: number | undefined;
  eouBeforeSpeechEnd: boolean;
  done: { reply: string } | undefined;
  error: TurnError | undefined;
}

export interface StreamingTurnResult {
  timeline: Timeline;
  reply: string;
}

/**
 * The streaming caller, whatever carries it: streams the utterance as 20 ms frames in real time
 * from its first sample (no endpointing of its own), keeps the microphone open with silence
 * until the agent's response has been sent, and plays the bot's frames out in real time.
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

  async runTurn(utterance: Utterance, turnIndex: number, signal: AbortSignal): Promise<StreamingTurnResult> {
    const { clock } = this.options;
    const timeline = new Timeline(clock);
    const turn: TurnInProgress = { index: turnIndex, timeline, playout: new Playout(timeline, this.options.jitterBufferMs), responseStartedAtMs: undefined, eouBeforeSpeechEnd: false, done: undefined, error: undefined };
    this.#turn = turn;
    try {
      const startFrame = firstSpeechFrame(utterance.speechStartMs);
      const endFrame = lastSpeechFrame(utterance.speechEndMs);
      this.link.sendMessage({ type: 'turn.start', turn: turnIndex, ...(this.options.sendHints ? { transcript: utterance.transcript ?? '', speechEndFrame: endFrame } : {}) });
      let trailingMs = 0;
      for await (const frame of replayFrames(utterance.samples, clock, signal)) {
        this.throwIfEnded(turn);
        if (turn.done) break;
        if (frame.index === startFrame) timeline.mark('caller.speech_start', frame.sentAtMs);
        if (frame.index === endFrame) timeline.mark('caller.speech_end', frame.sentAtMs);
        this.link.sendFrame(frame.samples);
        if (frame.afterRecording) trailingMs += FRAME_MS;
        if (turn.responseStartedAtMs === undefined && trailingMs > MAX_WAIT_FOR_RESPONSE_MS) {
          throw new TurnError('endpointing', `${utterance.path}: the agent did not answer within ${MAX_WAIT_FOR_RESPONSE_MS} ms of silence after the recording (did its VAD hear the speech?)`);
        }
        if (turn.responseStartedAtMs !== undefined && clock.nowMs() - turn.responseStartedAtMs > MAX_RESPONSE_MS) {
          throw new TurnError('agent', `the agent's response did not finish within ${MAX_RESPONSE_MS / 1000} s`);
        }
      }
      // the microphone goes quiet; the rest of the reply plays out
      await clock.sleepUntil(turn.playout.drainedAtMs ?? clock.nowMs(), signal);
      this.throwIfEnded(turn);
      if (turn.eouBeforeSpeechEnd) {
        throw new TurnError('endpointing', `${utterance.path}: the agent declared end of utterance before the speech ended at ${utterance.speechEndMs} ms: a pause inside the utterance is longer than the silence timeout (raise --silence-timeout)`);
      }
      if (!timeline.has('caller.first_audio')) throw new TurnError('agent', 'the agent answered with silence: no audible audio in its response');
      return { timeline, reply: turn.done?.reply ?? '' };
    } finally {
      this.#turn = undefined;
    }
  }

  private throwIfEnded(turn: TurnInProgress): void {
    if (turn.error) throw turn.error;
    if (this.#closed) throw new TurnError('transport', this.#closed.message, { cause: this.#closed });
  }

  private onFrame(frame: Int16Array, arrivalMs: number): void {
    const turn = this.#turn;
    if (!turn) return; // audio of a turn already given up on
    try {
      turn.playout.push(frame, arrivalMs);
    } catch (err) {
      turn.error ??= err instanceof TurnError ? err : new TurnError('agent', String(err));
    }
  }

  private onMessage(message: AgentMessage): void {
    const turn = this.#turn;
    switch (message.type) {
      case 'pong': {
        const resolve = this.#pongs.get(message.id);
        this.#pongs.delete(message.id);
        resolve?.();
        return;
      }
      case 'error':
        if (turn) turn.error ??= new TurnError('agent', `the agent reported ${message.code}: ${message.message}`);
        return;
      case 'vad':
        if (turn && message.state === 'eou' && !turn.timeline.has('caller.speech_end')) turn.eouBeforeSpeechEnd = true;
        return;
      case 'response.start':
        if (turn) turn.responseStartedAtMs ??= this.options.clock.nowMs();
        return;
      case 'response.done':
        if (!turn) return;
        if (message.turn !== turn.index) {
          turn.error ??= new TurnError('agent', `the agent finished turn ${message.turn} while turn ${turn.index} was in progress`);
          return;
        }
        turn.timeline.merge(agentMarksOnly(message.marks));
        turn.done = { reply: message.reply };
        return;
      case 'session.ready':
      case 'transcript.partial':
      case 'transcript.final':
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled agent message ${JSON.stringify(unknown)}`);
      }
    }
  }
}
