/**
 * Regenerates the committed corpus in fixtures/audio/: short caller utterances from real
 * voice-agent calls, synthesized offline with flite, as 16 kHz mono 16-bit PCM WAV files,
 * each with a sidecar JSON giving the transcript and the measured speech bounds.
 *
 * Run with `npm run corpus`. The output is byte-for-byte deterministic: flite is
 * deterministic, padding is digital silence, and nothing depends on the clock or a seed.
 */
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wavefile from 'wavefile';
import { FLITE_PACKAGE, synthesizeSpeech, type FliteVoice } from '../src/audio/flite.js';
import { describeSpeechBoundsMethod, measureSpeechBounds } from '../src/audio/speech-bounds.js';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ, msToSamples, samplesToMs } from '../src/audio/pcm.js';

interface Utterance {
  id: string;
  voice: FliteVoice;
  transcript: string;
}

/** What callers say to voice agents. Most are 1.5–3.5 s so a full replay stays short. */
const UTTERANCES: readonly Utterance[] = [
  { id: 'table-booking', voice: 'slt', transcript: "Hi, a table for four at seven, please." },
  { id: 'refund-request', voice: 'rms', transcript: 'I was charged twice, can I get a refund?' },
  { id: 'password-reset', voice: 'awb', transcript: 'I need to reset my password.' },
  { id: 'drive-thru-order', voice: 'kal16', transcript: 'A cheeseburger and fries, please.' },
  { id: 'yes', voice: 'slt', transcript: 'Yes.' },
  { id: 'no-thanks', voice: 'rms', transcript: 'No, thanks.' },
  {
    id: 'flight-change-question',
    voice: 'kal16',
    transcript: 'My flight to Chicago is on Friday, but my meeting moved. Can I change it for free?',
  },
  { id: 'appointment-reschedule', voice: 'awb', transcript: 'Can I move my appointment to Thursday?' },
  { id: 'delivery-status', voice: 'slt', transcript: "Where's my package? It's two days late." },
];
// Nine utterances, 25.5 s of audio: a bare `voicebench run` replays each once in real time and
// must finish within a minute, so the corpus stays this size; add more in your own --corpus.

/**
 * What callers say over the bot (fixtures/audio/interruptions/, outside the corpus a bare run
 * replays): two interruptions whose first speech segment lasts well past the agent's 300 ms
 * barge-in confirmation, and a backchannel whose only segment is shorter than it (Silero legacy:
 * "Uh-huh." by slt is one 256 ms segment; "Hold on," 768 ms; "Actually," 640 ms).
 */
const INTERRUPTIONS: readonly Utterance[] = [
  { id: 'hold-on', voice: 'slt', transcript: 'Hold on, I have a question.' },
  { id: 'actually-two', voice: 'awb', transcript: 'Actually, make that two burgers.' },
  { id: 'uh-huh', voice: 'slt', transcript: 'Uh-huh.' },
];

/** Silence before the first and after the last speech window, so endpointing has context. */
const LEADING_SILENCE_MS = 300;
const TRAILING_SILENCE_MS = 200;
/** Short answers ("Yes.") get extra trailing silence up to this length. */
const MIN_DURATION_MS = 1000;
const SOURCE_PREFIX = 'flite (';

const corpusDir = fileURLToPath(new URL('../fixtures/audio/', import.meta.url));
const interruptionsDir = join(corpusDir, 'interruptions');

interface Sidecar {
  id: string;
  transcript: string;
  speechStartMs: number;
  speechEndMs: number;
  durationMs: number;
  voice: FliteVoice;
  source: string;
  speechBoundsMethod: string;
}

/**
 * Places flite's speech so that exactly LEADING_SILENCE_MS precede the first speech window
 * and at least TRAILING_SILENCE_MS follow the last, the length rounded up to whole 20 ms
 * frames. flite's own lead-in and decay (below −40 dBFS, mostly −60 to −90) are kept within those
 * margins and cut beyond them; where flite gave less, digital silence is added.
 */
function placeSpeech(samples: Int16Array, id: string): Int16Array {
  const bounds = measureSpeechBounds(samples, SAMPLE_RATE_HZ);
  if (bounds === null) throw new Error(`${id}: flite produced no audible speech`);
  const speechStart = msToSamples(bounds.speechStartMs);
  const speechEnd = msToSamples(bounds.speechEndMs);
  const leadSamples = msToSamples(LEADING_SILENCE_MS);
  const trailSamples = msToSamples(TRAILING_SILENCE_MS);
  const kept = samples.subarray(Math.max(0, speechStart - leadSamples), Math.min(samples.length, speechEnd + trailSamples));
  const leadPad = Math.max(0, leadSamples - speechStart);
  // In the output, speech runs from leadSamples to leadSamples + (speechEnd - speechStart).
  const minimumLength = Math.max(leadSamples + (speechEnd - speechStart) + trailSamples, msToSamples(MIN_DURATION_MS));
  const out = new Int16Array(Math.ceil(minimumLength / FRAME_SAMPLES) * FRAME_SAMPLES);
  out.set(kept, leadPad);
  return out;
}

function encodeWav(samples: Int16Array): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, SAMPLE_RATE_HZ, '16', samples);
  return wav.toBuffer();
}

/** Removes WAV + sidecar pairs this script made earlier for ids no longer in the list. */
async function removeStaleFiles(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -'.json'.length);
    if (keep.has(id)) continue;
    const sidecar = JSON.parse(await readFile(join(dir, name), 'utf8')) as Partial<Sidecar>;
    if (typeof sidecar.source !== 'string' || !sidecar.source.startsWith(SOURCE_PREFIX)) continue;
    await rm(join(dir, `${id}.wav`), { force: true });
    await rm(join(dir, name));
    removed.push(id);
  }
  return removed;
}

/** Writes each utterance as WAV + sidecar into `dir`; returns the total duration in ms. */
async function writeSet(dir: string, utterances: readonly Utterance[]): Promise<number> {
  await mkdir(dir, { recursive: true });
  const speechBoundsMethod = describeSpeechBoundsMethod();
  let totalMs = 0;
  for (const { id, voice, transcript } of utterances) {
    const synthesized = await synthesizeSpeech(transcript, voice);
    if (synthesized.sampleRateHz !== SAMPLE_RATE_HZ) {
      throw new Error(`${id}: voice ${voice} speaks at ${synthesized.sampleRateHz} Hz, the corpus is ${SAMPLE_RATE_HZ} Hz`);
    }
    const samples = placeSpeech(synthesized.samples, id);
    const bounds = measureSpeechBounds(samples, SAMPLE_RATE_HZ);
    if (bounds === null) throw new Error(`${id}: speech lost while padding`);
    const sidecar: Sidecar = {
      id,
      transcript,
      speechStartMs: bounds.speechStartMs,
      speechEndMs: bounds.speechEndMs,
      durationMs: samplesToMs(samples.length),
      voice,
      source: `${SOURCE_PREFIX}${FLITE_PACKAGE}), voice ${voice}, generated by scripts/make-corpus.ts`,
      speechBoundsMethod,
    };
    await writeFile(join(dir, `${id}.wav`), encodeWav(samples));
    await writeFile(join(dir, `${id}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
    totalMs += sidecar.durationMs;
    console.log(
      `${id.padEnd(24)} ${voice.padEnd(6)} ${String(sidecar.durationMs).padStart(5)} ms  ` +
        `speech ${sidecar.speechStartMs}–${sidecar.speechEndMs} ms`,
    );
  }
  const removed = await removeStaleFiles(dir, new Set(utterances.map((u) => u.id)));
  if (removed.length > 0) console.log(`removed stale: ${removed.join(', ')}`);
  console.log(`${utterances.length} utterances, ${(totalMs / 1000).toFixed(2)} s in total, in ${dir}`);
  return totalMs;
}

async function main(): Promise<void> {
  await writeSet(corpusDir, UTTERANCES);
  await writeSet(interruptionsDir, INTERRUPTIONS);
}

await main();
