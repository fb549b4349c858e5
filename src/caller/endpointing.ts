import { DEFAULT_MIN_SPEECH_MS, SpeechDetector, type SpeechEvent, type VadModel } from '../audio/vad.js';
import type { Clock } from '../metrics/clock.js';
import type { Timeline } from '../metrics/timeline.js';
import type { Utterance } from '../scenarios/utterance.js';
import { firstSpeechFrame, lastSpeechFrame, replayFrames } from './replay.js';
import { TurnError } from './turn-error.js';

/** How long the microphone may stay silent after the recording before giving up on end of utterance. */
const MAX_TRAILING_SILENCE_MS = 5_000;

export interface CapturedUtterance {
  /** Everything the microphone delivered up to end of utterance, trailing silence included. */
  samples: Int16Array;
}

/** Speaking over the bot: speech must last `minSpeechMs` to count, and `onSpeech` hears every VAD event as it happens. */
export interface OverBotOptions {
  minSpeechMs: number;
  onSpeech: (event: SpeechEvent) => void;
}

/**
 * Client-side endpointing (the REST architecture): replay the utterance in real time into the
 * caller's own VAD, mark `caller.speech_end` when the frame with the last voiced sample leaves,
 * and `eou` when the VAD has heard `silenceTimeoutMs` of silence after confirmed speech.
 * With `overBot`, undefined when the recording ended without speech long enough to count.
 */
export async function captureUntilEndOfUtterance(
  utterance: Utterance,
  vadModel: VadModel,
  silenceTimeoutMs: number,
  timeline: Timeline,
  clock: Clock,
  signal: AbortSignal,
  overBot?: OverBotOptions,
): Promise<CapturedUtterance | undefined> {
  const detector = new SpeechDetector(vadModel, { silenceTimeoutMs, minSpeechMs: overBot?.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS });
  let heardSpeech = false;
  const startFrame = firstSpeechFrame(utterance.speechStartMs);
  const endFrame = lastSpeechFrame(utterance.speechEndMs);
  const frames: Int16Array[] = [];
  let trailingMs = 0;
  for await (const frame of replayFrames(utterance.samples, clock, signal)) {
    if (frame.index === startFrame) timeline.mark('caller.speech_start', frame.sentAtMs);
    if (frame.index === endFrame) timeline.mark('caller.speech_end', frame.sentAtMs);
    frames.push(frame.samples);
    const events = await detector.push(frame.samples);
    for (const ev of events) {
      overBot?.onSpeech(ev);
      if (ev.type === 'speech_confirmed') {
        heardSpeech = true;
        detector.minSpeechMs = DEFAULT_MIN_SPEECH_MS; // it counts: the rest is an ordinary utterance
      }
    }
    if (events.some((ev) => ev.type === 'eou')) {
      timeline.mark('eou');
      break;
    }
    // over the bot, speech too short to count (a backchannel) is not an utterance
    if (overBot && frame.afterRecording && !heardSpeech && !detector.inSpeech) return undefined;
    if (frame.afterRecording) {
      trailingMs += 20;
      if (trailingMs > MAX_TRAILING_SILENCE_MS) {
        throw new TurnError('endpointing', `${utterance.path}: the VAD never decided the utterance had ended (${MAX_TRAILING_SILENCE_MS} ms of silence after the recording)`);
      }
    }
  }
  if (!timeline.has('caller.speech_end')) {
    throw new TurnError(
      'endpointing',
      `${utterance.path}: end of utterance was declared before the speech ended at ${utterance.speechEndMs} ms: a pause inside the utterance is longer than the ${silenceTimeoutMs} ms silence timeout (raise --silence-timeout)`,
    );
  }
  const samples = new Int16Array(frames.length * (frames[0]?.length ?? 0));
  frames.forEach((frame, index) => samples.set(frame, index * frame.length));
  return { samples };
}
