import type { Timeline } from '../metrics/timeline.js';
import type { ChatMessage, Pipeline, TurnHints } from '../providers/types.js';

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

  async *reply(messages: readonly ChatMessage[], hints: TurnHints, timeline: Timeline, signal: AbortSignal): AsyncIterable<string> {
    timeline.mark('llm.start');
    for await (const token of this.pipeline.llm.stream(messages, hints, signal)) {
      timeline.mark('llm.first_token');
      yield token;
    }
    timeline.mark('llm.done');
  }

  async *speak(text: string, hints: TurnHints, timeline: Timeline, signal: AbortSignal): AsyncIterable<Int16Array> {
    timeline.mark('tts.start');
    for await (const chunk of this.pipeline.tts.synthesize(text, hints, signal)) {
      timeline.mark('tts.first_audio');
      yield chunk;
    }
    timeline.mark('tts.done');
  }
}
