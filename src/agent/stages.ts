import { SAMPLE_RATE_HZ } from '../audio/pcm.js';
import type { Timeline } from '../metrics/timeline.js';
import type { ChatMessage, Pipeline, SttStream, TurnHints } from '../providers/types.js';

/** A batch-only STT behind a streaming agent keeps at most this much of one utterance. */
const MAX_BUFFERED_UTTERANCE_SAMPLES = 120 * SAMPLE_RATE_HZ;

/**
 * The one place that marks stage timing around providers (STYLE.md: providers only do the
 * work, the wrapper marks time), so every provider, simulated or real, is timed the same way.
 */
export class Stages {
  constructor(private readonly pipeline: Pipeline) {}

  async transcribe(pcm: Int16Array, hints: TurnHints, timeline: Timeline, signal: AbortSignal): Promise<string> {
    timeline.mark('stt.start');
    const transcript = await this.pipeline.stt.transcribe(pcm, hints, signal);
    timeline.mark('stt.final');
    return transcript;
  }

  /**
   * Streaming transcription of one utterance: `stt.start` when it opens, `stt.final` when the
   * final arrives. A provider without streaming gets the buffered utterance in one batch request
   * at `finish` (its whole latency then lands after end of utterance, as it would).
   */
  openTranscription(hints: TurnHints, timeline: Timeline, onPartial: (text: string) => void): SttStream {
    timeline.mark('stt.start');
    const { stt } = this.pipeline;
    if (stt.openStream) {
      const stream = stt.openStream(hints, onPartial);
      return {
        push: (pcm) => stream.push(pcm),
        finish: async (signal) => {
          const transcript = await stream.finish(signal);
          timeline.mark('stt.final');
          return transcript;
        },
      };
    }
    const frames: Int16Array[] = [];
    let buffered = 0;
    return {
      push: (pcm) => {
        if (buffered + pcm.length > MAX_BUFFERED_UTTERANCE_SAMPLES) return;
        frames.push(pcm);
        buffered += pcm.length;
      },
      finish: async (signal) => {
        const audio = new Int16Array(buffered);
        let offset = 0;
        for (const frame of frames) {
          audio.set(frame, offset);
          offset += frame.length;
        }
        const transcript = await stt.transcribe(audio, hints, signal);
        timeline.mark('stt.final');
        return transcript;
      },
    };
  }

  /**
   * `llm.start` is when the request left: when the provider reports it (a network provider, after
   * its SDK's work), else when it was called.
   */
  async *reply(messages: readonly ChatMessage[], hints: TurnHints, timeline: Timeline, signal: AbortSignal): AsyncIterable<string> {
    const wire = new WireInstants(hints, timeline);
    for await (const token of this.pipeline.llm.stream(messages, wire.hints, signal)) {
      timeline.mark('llm.start', wire.startMs);
      timeline.mark('llm.first_token', wire.firstBytesMs);
      yield token;
    }
    timeline.mark('llm.start', wire.startMs);
    timeline.mark('llm.done');
  }

  /** One chunk of the answer; `tts.start` (when its request left, as for the LLM) and `tts.first_audio` belong to the first chunk spoken. */
  async *speak(text: string, hints: TurnHints, timeline: Timeline, signal: AbortSignal): AsyncIterable<Int16Array> {
    const wire = new WireInstants(hints, timeline);
    for await (const chunk of this.pipeline.tts.synthesize(text, wire.hints, signal)) {
      timeline.mark('tts.start', wire.startMs);
      timeline.mark('tts.first_audio', wire.firstBytesMs);
      yield chunk;
    }
    timeline.mark('tts.start', wire.startMs);
  }

  /** The last chunk of the answer has been synthesized. */
  speechDone(timeline: Timeline): void {
    timeline.mark('tts.done');
  }
}

/**
 * The instants a network provider reports for one request (`TurnHints.wire`): when it left and
 * when the bytes of its first token or audio arrived. A provider that reports nothing is timed
 * at the call and at the first item it yields.
 */
class WireInstants {
  readonly hints: TurnHints;
  readonly #calledMs: number;
  #sentMs: number | undefined;
  #firstBytesMs: number | undefined;

  constructor(
    hints: TurnHints,
    private readonly timeline: Timeline,
  ) {
    this.#calledMs = timeline.nowMs();
    this.hints = { ...hints, wire: { requestSent: (atMs) => (this.#sentMs ??= atMs), firstBytes: (atMs) => (this.#firstBytesMs ??= atMs) } };
  }

  get startMs(): number {
    return this.#sentMs ?? this.#calledMs;
  }

  get firstBytesMs(): number {
    return this.#firstBytesMs ?? this.timeline.nowMs();
  }
}
