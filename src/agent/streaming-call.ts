import { samplesToMs } from '../audio/pcm.js';
import { ProviderError } from '../providers/provider-error.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS, DEFAULT_MIN_SPEECH_MS, SpeechDetector, type SpeechEvent, type VadModel } from '../audio/vad.js';
import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import type { Pipeline, SttStream, TurnHints } from '../providers/types.js';
import { AsyncQueue } from './async-queue.js';
import { Chunker, type ChunkingOptions } from './chunking.js';
import { Conversation } from './conversation.js';
import type { AgentEvent, CallOutput, TurnStartHints } from './events.js';
import { OutboundAudio } from './outbound-audio.js';
import type { Stages } from './stages.js';
import { heardText, type SpokenChunk } from './truncation.js';

/** Unprocessed inbound audio past this (10 s) means the caller sends far faster than real time. */
const MAX_VAD_BACKLOG_FRAMES = 500;

/** What a streaming agent server needs, whatever transport carries its calls. */
export interface StreamingAgentOptions {
  pipeline: Pipeline;
  clock: Clock;
  vadModel: VadModel;
  silenceTimeoutMs: number;
  chunking: ChunkingOptions;
  maxAheadMs?: number;
  /** Caller speech over the bot must last this long to interrupt it (DEFAULT_BARGE_IN_MIN_SPEECH_MS). */
  bargeInMinSpeechMs?: number;
  host?: string;
  port?: number;
}

/** A new call on a new connection: its own conversation, the server's stages and settings. */
export function newStreamingCall(options: StreamingAgentOptions, stages: Stages, output: CallOutput): StreamingCall {
  return new StreamingCall({
    stages,
    conversation: new Conversation(),
    clock: options.clock,
    vadModel: options.vadModel,
    silenceTimeoutMs: options.silenceTimeoutMs,
    chunking: options.chunking,
    ...(options.maxAheadMs === undefined ? {} : { maxAheadMs: options.maxAheadMs }),
    ...(options.bargeInMinSpeechMs === undefined ? {} : { bargeInMinSpeechMs: options.bargeInMinSpeechMs }),
    output,
  });
}

export interface StreamingCallOptions {
  stages: Stages;
  conversation: Conversation;
  clock: Clock;
  vadModel: VadModel;
  silenceTimeoutMs: number;
  chunking: ChunkingOptions;
  maxAheadMs?: number;
  bargeInMinSpeechMs?: number;
  output: CallOutput;
}

/** The answer being spoken: what barge-in pauses, resumes or cuts short. */
interface BotSpeech {
  turnIndex: number;
  timeline: Timeline;
  outbound: OutboundAudio;
  abort: AbortController;
  /** Chunks whose audio has started, with the audio synthesized for each so far. */
  chunks: SpokenChunk[];
  /** The response is still being produced (audio may still be sent). */
  sending: boolean;
  paused: boolean;
  interrupted: boolean;
}

/** The utterance being listened to. */
interface ListeningTurn {
  hints: TurnHints;
  speechEndFrame: number | undefined;
  timeline: Timeline;
  framesReceived: number;
  heardSpeech: boolean;
  stt: SttStream | undefined;
}

/** Thrown to the transport when the caller broke the protocol; the transport reports and closes. */
export class CallProtocolError extends Error {
  constructor(
    readonly code: 'bad_audio' | 'overloaded',
    message: string,
  ) {
    super(message);
    this.name = 'CallProtocolError';
  }
}

/**
 * The streaming agent for one call, shared by every streaming transport (a transport only moves
 * frames and events). Inbound frames go through the VAD; the agent decides end of utterance
 * itself (`eou`), after the same silence timeout the REST caller uses, then streams: the final
 * transcript, the LLM's tokens cut into chunks by the chunking policy, each chunk synthesized as
 * soon as it is complete, and the audio paced out to the caller in 20 ms frames.
 */
export class StreamingCall {
  readonly #detector: SpeechDetector;
  readonly #abort = new AbortController();
  #listening: ListeningTurn | undefined;
  #responding: Promise<void> | undefined;
  #bot: BotSpeech | undefined;
  #nextTurnIndex = 0;
  #vadBacklogFrames = 0;
  #failed: ((err: unknown) => void) | undefined;

  constructor(private readonly options: StreamingCallOptions) {
    this.#detector = new SpeechDetector(options.vadModel, { silenceTimeoutMs: options.silenceTimeoutMs });
  }

  /** Called when audio processing fails in the background (the transport reports and closes). */
  onFailure(handler: (err: unknown) => void): void {
    this.#failed = handler;
  }

  /** The caller announces its next utterance; frames from here on belong to it. */
  startTurn(hints: TurnStartHints): void {
    if (this.#listening?.heardSpeech) return; // already mid-utterance: keep what was heard
    this.#listening = this.openTurn(hints);
    // The VAD's 32 ms windows start at the utterance's first frame, as the REST caller's do, so
    // the same recording is endpointed the same way whatever came before it on the call. Over
    // the bot's speech it keeps running, so a barge-in meets the window grid wherever it is.
    if (!this.#responding && !this.botAudible()) void this.#detector.restart();
  }

  /** One 20 ms frame of 16 kHz PCM16 from the caller, in order. Returns at once. */
  pushFrame(frame: Int16Array): void {
    if (this.#abort.signal.aborted) return;
    if (this.#vadBacklogFrames >= MAX_VAD_BACKLOG_FRAMES) {
      throw new CallProtocolError('overloaded', `more than ${MAX_VAD_BACKLOG_FRAMES * 20} ms of audio is waiting for the VAD: send audio in real time`);
    }
    let turn = this.#listening;
    if (!turn && !this.#responding) {
      turn = this.openTurn({ turn: this.#nextTurnIndex });
      this.#listening = turn;
    }
    if (turn) {
      if (turn.framesReceived === turn.speechEndFrame) turn.timeline.mark('agent.speech_end_received');
      turn.framesReceived++;
      turn.stt ??= this.options.stages.openTranscription(turn.hints, turn.timeline, (text) => this.emit({ type: 'transcript.partial', turn: turn.hints.turnIndex, text }));
      turn.stt.push(frame);
    }
    this.#vadBacklogFrames++;
    this.#detector.minSpeechMs = this.botAudible() ? (this.options.bargeInMinSpeechMs ?? DEFAULT_BARGE_IN_MIN_SPEECH_MS) : DEFAULT_MIN_SPEECH_MS;
    this.#detector.push(frame).then(
      (events) => {
        this.#vadBacklogFrames--;
        this.onSpeechEvents(events);
      },
      (err: unknown) => this.#failed?.(err),
    );
  }

  /** Ends the call: work in flight is aborted; resolves when it has stopped. */
  async close(reason: unknown = new Error('call closed')): Promise<void> {
    this.#abort.abort(reason);
    await this.#responding;
  }

  private openTurn(hints: TurnStartHints): ListeningTurn {
    this.#nextTurnIndex = hints.turn + 1;
    const turnHints: TurnHints = hints.transcript === undefined ? { turnIndex: hints.turn } : { turnIndex: hints.turn, transcript: hints.transcript };
    return { hints: turnHints, speechEndFrame: hints.speechEndFrame, timeline: new Timeline(this.options.clock), framesReceived: 0, heardSpeech: false, stt: undefined };
  }

  /** The bot is speaking, or the caller is still playing what it sent. */
  private botAudible(): boolean {
    const bot = this.#bot;
    if (!bot || bot.interrupted) return false;
    return bot.sending || (bot.outbound.playedOutAtMs ?? 0) > this.options.clock.nowMs();
  }

  /**
   * Barge-in, step one (DESIGN.md §2): speech onset over the bot pauses its audio at once, on the
   * control path (nothing queued is sent first). The caller is told to hold its playback.
   */
  private pauseForBargeIn(bot: BotSpeech): void {
    bot.paused = true;
    bot.outbound.pause();
    bot.timeline.mark('agent.bargein_detected');
    this.emit({ type: 'audio.pause', turn: bot.turnIndex });
  }

  /** Speech that did not last (a cough, "uh-huh"): a false interruption; the bot goes on where it paused. */
  private resumeAfterFalseInterruption(bot: BotSpeech): void {
    bot.paused = false;
    bot.outbound.resume();
    this.emit({ type: 'audio.resume', turn: bot.turnIndex });
  }

  /**
   * Barge-in, step two: the speech is confirmed. The LLM and TTS in flight are aborted, queued
   * audio dropped, and the context keeps the answer only as far as the caller heard it,
   * flagged interrupted, for the next LLM request.
   */
  private commitInterruption(bot: BotSpeech): void {
    bot.interrupted = true;
    bot.outbound.stop();
    bot.abort.abort(new Error('interrupted by the caller'));
    const heardMs = bot.outbound.heardMs();
    const heard = heardText(bot.chunks, heardMs);
    this.options.conversation.interruptAssistant(heard.text);
    this.emit({ type: 'response.interrupted', turn: bot.turnIndex, reply: heard.text, heardMs, chunks: bot.chunks.map((chunk) => ({ ...chunk })), marks: bot.timeline.toRecord() });
  }

  private onSpeechEvents(events: readonly SpeechEvent[]): void {
    for (const ev of events) {
      const turn = this.#listening;
      const bot = this.#bot;
      switch (ev.type) {
        case 'speech_start':
          if (bot && !bot.paused && this.botAudible()) this.pauseForBargeIn(bot);
          if (turn) this.emit({ type: 'vad', state: 'speech_start', turn: turn.hints.turnIndex });
          break;
        case 'speech_confirmed':
          if (bot && this.botAudible()) {
            if (!bot.paused) this.pauseForBargeIn(bot);
            this.commitInterruption(bot);
          }
          if (turn) turn.heardSpeech = true;
          break;
        case 'speech_end':
          if (bot?.paused && !bot.interrupted && !ev.confirmed) this.resumeAfterFalseInterruption(bot);
          if (turn) this.emit({ type: 'vad', state: 'speech_end', turn: turn.hints.turnIndex });
          break;
        case 'eou':
          if (turn?.heardSpeech && (!this.#responding || this.#bot?.interrupted)) {
            turn.timeline.mark('eou');
            this.emit({ type: 'vad', state: 'eou', turn: turn.hints.turnIndex });
            this.#listening = undefined;
            // an interrupted answer is still unwinding: the new one starts once it has
            const previous = this.#responding ?? Promise.resolve();
            const responding: Promise<void> = previous.then(() => this.respond(turn)).finally(() => {
              if (this.#responding === responding) this.#responding = undefined;
            });
            this.#responding = responding;
          }
          break;
        default: {
          const unknown: never = ev;
          throw new Error(`unhandled speech event ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  /** Final transcript → LLM tokens → chunks → TTS → paced frames, with LLM and TTS overlapping. */
  private async respond(turn: ListeningTurn): Promise<void> {
    const { stages, conversation, clock, output, chunking } = this.options;
    const { timeline, hints } = turn;
    const turnIndex = hints.turnIndex;
    const abort = new AbortController();
    const stop = (): void => abort.abort(this.#abort.signal.reason);
    this.#abort.signal.addEventListener('abort', stop, { once: true });
    const signal = abort.signal;
    const outbound = new OutboundAudio(clock, output.audio, timeline, this.options.maxAheadMs);
    const bot: BotSpeech = { turnIndex, timeline, outbound, abort, chunks: [], sending: true, paused: false, interrupted: false };
    this.#bot = bot;
    try {
      const transcript = turn.stt ? await turn.stt.finish(signal) : '';
      conversation.addUser(transcript);
      const contextInterrupted = conversation.pendingInterruption;
      // The LLM request leaves first (`llm.start`); telling the caller can wait until it has.
      const tokens = stages.reply(conversation.messages, hints, timeline, signal)[Symbol.asyncIterator]();
      const firstToken = tokens.next();
      this.emit({ type: 'transcript.final', turn: turnIndex, text: transcript });
      this.emit({ type: 'response.start', turn: turnIndex });

      const chunks = new AsyncQueue<string>();
      let audioMs = 0;
      const speaking = (async () => {
        for await (const chunk of chunks) {
          const spoken: SpokenChunk = { text: chunk, audioMs: 0 };
          for await (const pcm of stages.speak(chunk, hints, timeline, signal)) {
            if (spoken.audioMs === 0) {
              bot.chunks.push(spoken);
              this.emit({ type: 'response.text', turn: turnIndex, text: chunk, audioStartMs: audioMs });
            }
            spoken.audioMs += samplesToMs(pcm.length);
            audioMs += samplesToMs(pcm.length);
            await outbound.write(pcm, signal);
          }
        }
        stages.speechDone(timeline); // the last chunk came from TTS (held back by pacing, as the TTS stream was)
        await outbound.flush(signal);
      })();
      // If speaking fails first, stop the LLM too; its error is the one reported.
      speaking.catch((err: unknown) => abort.abort(err));

      let reply = '';
      const chunker = new Chunker(chunking);
      const handOver = (ready: string[]): void => {
        for (const chunk of ready) {
          timeline.mark('llm.first_phrase');
          chunks.push(chunk);
        }
      };
      try {
        for (let step = await firstToken; !step.done; step = await tokens.next()) {
          reply += step.value;
          handOver(chunker.push(step.value));
        }
        handOver(chunker.end());
      } finally {
        chunks.end();
      }
      await speaking;
      // An aborted stream may end quietly instead of throwing: an interruption is recognised here.
      if (bot.interrupted) return;
      conversation.addAssistant(reply.trim());
      this.emit({
        type: 'response.done',
        turn: turnIndex,
        reply: reply.trim(),
        marks: timeline.toRecord(),
        audioMs,
        ...(contextInterrupted === undefined ? {} : { contextInterrupted }),
      });
    } catch (err) {
      abort.abort(err); // stops whichever of the two loops is still going
      if (this.#abort.signal.aborted || bot.interrupted) return;
      const provider = err instanceof ProviderError ? { stage: err.stage, errorClass: err.errorClass } : {};
      this.emit({ type: 'error', code: 'pipeline', message: err instanceof Error ? err.message : String(err), turn: turnIndex, ...provider });
    } finally {
      bot.sending = false;
      this.#abort.signal.removeEventListener('abort', stop);
    }
  }

  private emit(event: AgentEvent): void {
    if (!this.#abort.signal.aborted) this.options.output.event(event);
  }
}
