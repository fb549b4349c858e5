import { SpeechDetector, type SpeechEvent, type VadModel } from '../audio/vad.js';
import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import type { Pipeline, SttStream, TurnHints } from '../providers/types.js';
import { AsyncQueue } from './async-queue.js';
import { Chunker, type ChunkingOptions } from './chunking.js';
import { Conversation } from './conversation.js';
import type { AgentEvent, CallOutput, TurnStartHints } from './events.js';
import { OutboundAudio } from './outbound-audio.js';
import type { Stages } from './stages.js';

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
  output: CallOutput;
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
    // the same recording is endpointed the same way whatever came before it on the call.
    if (!this.#responding) void this.#detector.restart();
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

  private onSpeechEvents(events: readonly SpeechEvent[]): void {
    for (const ev of events) {
      const turn = this.#listening;
      switch (ev.type) {
        case 'speech_start':
          if (turn) this.emit({ type: 'vad', state: 'speech_start', turn: turn.hints.turnIndex });
          break;
        case 'speech_confirmed':
          if (turn) turn.heardSpeech = true;
          break;
        case 'speech_end':
          if (turn) this.emit({ type: 'vad', state: 'speech_end', turn: turn.hints.turnIndex });
          break;
        case 'eou':
          if (turn?.heardSpeech && !this.#responding) {
            turn.timeline.mark('eou');
            this.emit({ type: 'vad', state: 'eou', turn: turn.hints.turnIndex });
            this.#listening = undefined;
            this.#responding = this.respond(turn).finally(() => {
              this.#responding = undefined;
            });
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
    try {
      const transcript = turn.stt ? await turn.stt.finish(signal) : '';
      conversation.addUser(transcript);
      // The LLM request leaves first (`llm.start`); telling the caller can wait until it has.
      const tokens = stages.reply(conversation.messages, hints, timeline, signal)[Symbol.asyncIterator]();
      const firstToken = tokens.next();
      this.emit({ type: 'transcript.final', turn: turnIndex, text: transcript });
      this.emit({ type: 'response.start', turn: turnIndex });

      const chunks = new AsyncQueue<string>();
      const outbound = new OutboundAudio(clock, output.audio, timeline, this.options.maxAheadMs);
      const speaking = (async () => {
        for await (const chunk of chunks) {
          for await (const pcm of stages.speak(chunk, hints, timeline, signal)) await outbound.write(pcm, signal);
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
      conversation.addAssistant(reply.trim());
      this.emit({ type: 'response.done', turn: turnIndex, reply: reply.trim(), marks: timeline.toRecord() });
    } catch (err) {
      abort.abort(err); // stops whichever of the two loops is still going
      if (this.#abort.signal.aborted) return;
      this.emit({ type: 'error', code: 'pipeline', message: err instanceof Error ? err.message : String(err), turn: turnIndex });
    } finally {
      this.#abort.signal.removeEventListener('abort', stop);
    }
  }

  private emit(event: AgentEvent): void {
    if (!this.#abort.signal.aborted) this.options.output.event(event);
  }
}
