/** One recorded caller utterance, normalised to 16 kHz mono PCM16, with where its speech lies. */
export interface Utterance {
  id: string;
  /** The WAV it came from, as the user gave it (for messages). */
  path: string;
  samples: Int16Array;
  durationMs: number;
  /** Offset of the first voiced sample in the file. */
  speechStartMs: number;
  /** Offset just after the last voiced sample: the anchor of every latency (`caller.speech_end`). */
  speechEndMs: number;
  /** What is said; empty when unknown (a WAV without a sidecar). */
  transcript: string;
  /** Where the speech bounds came from: the sidecar or voicebench's VAD. */
  boundsSource: 'sidecar' | 'vad';
}
