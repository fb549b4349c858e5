/**
 * The sim latency profiles (DESIGN.md §4): each one fills `SimProfile` from a named source.
 * Every figure and where it comes from is tabled in docs/profiles.md; keep the two in step.
 *
 * Processing figures exclude the network: a stage's observed time is `rttMs` + a processing
 * sample (+ `coldStartMs` on a stage's first request of a run). Published client-side figures
 * were reduced by the stage's `rttMs` before being entered here.
 */
import { InputError } from '../errors.js';
import type { LatencyDistribution, SimProfile } from './profile.js';

export const PROFILE_NAMES = ['seed-article', 'typical', 'constant'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The same value at p50 and p95: the sampler returns it unchanged. */
function fixed(ms: number): LatencyDistribution {
  return { p50Ms: ms, p95Ms: ms };
}

const SEED_ARTICLE_SOURCE =
  'The article that motivated voicebench (sequential REST: STT 200 + LLM 800 + TTS 400 = 1400 ms), ' +
  'round per-stage p50s; the p95s (1.4× p50), LLM first token, TTS first byte, streaming final ' +
  'and decode speed are voicebench estimates consistent with those totals, not the article\'s';

const seedArticle: SimProfile = {
  name: 'seed-article',
  summary:
    'The seed article\'s sequential-REST row as round figures: STT 200 ms, LLM 800 ms to the whole ' +
    'answer, TTS 400 ms to the whole audio = 1400 ms at p50. The article quotes end-to-end time per ' +
    'stage, so the network is folded into processing (rttMs 0).',
  sources: [SEED_ARTICLE_SOURCE],
  stt: {
    rttMs: 0,
    batch: { p50Ms: 200, p95Ms: 280 },
    streamingFinal: { p50Ms: 250, p95Ms: 350 },
  },
  llm: {
    rttMs: 0,
    ttft: { p50Ms: 350, p95Ms: 490 },
    tokensPerSecond: { p50Ms: 50, p95Ms: 70 },
    completion: { p50Ms: 800, p95Ms: 1120 },
  },
  tts: {
    rttMs: 0,
    ttfb: { p50Ms: 150, p95Ms: 210 },
    realtimeFactor: 10,
    total: { p50Ms: 400, p95Ms: 560 },
  },
  coldStartMs: 0,
};

const typical: SimProfile = {
  name: 'typical',
  summary:
    'A 2025–26 cascaded voice agent on regional cloud APIs: streaming-class STT (Deepgram Nova-3, ' +
    'AssemblyAI Universal-Streaming), a GPT-4.1-mini / GPT-4o-mini class LLM, and a low-latency TTS ' +
    '(ElevenLabs Flash, Cartesia Sonic). Processing from vendor and benchmark figures; network as ' +
    'a regional round trip per stage.',
  sources: [
    'Deepgram, "Measuring STT Latency" (docs, 2025–26): streaming transcription latency of 300 ms or less, network transit measured separately — https://developers.deepgram.com/docs/measuring-streaming-latency',
    'AssemblyAI, "Introducing Universal-Streaming" (blog, 2025): immutable transcripts in ~300 ms — https://www.assemblyai.com/blog/introducing-universal-streaming',
    'Chanl, "Voice AI pipeline: STT, LLM, TTS and the 300ms budget" (2026): measured 280 ms STT, 600 ms LLM first token, 320 ms TTS first audio, 200 ms transport — https://chanl.ai/blog/voice-ai-pipeline-stt-tts-latency-budget',
    'Artificial Analysis, GPT-4.1 mini API provider benchmarks (2025–26): OpenAI 77 output tokens/s, TTFT 0.93 s at a 10k-token prompt — https://artificialanalysis.ai/models/gpt-4-1-mini/providers',
    'Vercel AI Gateway, GPT-4.1 mini model page (2026): p50 TTFT 0.6 s, 66–92 tokens/s on live traffic — https://vercel.com/ai-gateway/models/gpt-4.1-mini',
    'Krabarena, LLM TTFT leaderboard (2026): GPT-4o-mini warm TTFT p50 460 ms with the network floor subtracted, 700-token prompt — https://krabarena.org/claims/557140f7-a2c3-47eb-9c49-27ec59caf675',
    'OpenAI Developer Community, "Inference speed of different models" (2025): gpt-4.1-mini 62 tokens/s, gpt-4o-mini 59 tokens/s — https://community.openai.com/t/inference-speed-of-different-models/1307310',
    'AlterSquare, "Building a Production Voice Agent: The Latency Budget Nobody Talks About" (2026): LLM TTFT 566 ms p50 to 2,246 ms p95; 20–50 ms network each way — https://altersquare.io/?p=12917',
    'CallSphere, "LLM Time-to-First-Token: Cutting Voice Agent TTFT" (2026): 200–450 ms median TTFT for GPT-class models; 10–50 ms network each way — https://callsphere.ai/blog/vw8c-llm-ttft-reduction-voice-agents-2026',
    'ElevenLabs, Models overview (docs, 2025–26): Flash v2.5 ~75 ms model latency — https://elevenlabs.io/docs/overview/models',
    'JC AI wiki, "Cartesia Sonic" (2026, summarising Cartesia docs and independent benchmarks): Sonic 3 ~90 ms model latency, ~190 ms end-to-end time to first audio — https://jc-aiwiki.pages.dev/ai-voice/cartesia-sonic',
    'Pipecat, Metrics guide (docs, 2025): sample output CartesiaTTSService TTFB 0.17 s — https://docs.pipecat.ai/guides/fundamentals/metrics',
    'voicebench, in-project observation (2026): the first SDK request in a process cost ~20 ms more than later ones (cold start)',
  ],
  stt: {
    rttMs: 40,
    batch: { p50Ms: 300, p95Ms: 650 },
    streamingFinal: { p50Ms: 250, p95Ms: 500 },
  },
  llm: {
    rttMs: 50,
    ttft: { p50Ms: 450, p95Ms: 1000 },
    tokensPerSecond: { p50Ms: 70, p95Ms: 95 },
  },
  tts: {
    rttMs: 30,
    ttfb: { p50Ms: 120, p95Ms: 250 },
    realtimeFactor: 8,
  },
  coldStartMs: 50,
};

const constant: SimProfile = {
  name: 'constant',
  summary:
    'Fixed figures with no variance, for accuracy tests: STT 200 ms, LLM first token 300 ms then ' +
    '20 ms per token (50 tokens/s), TTS first audio 100 ms then 20× real time; no network, no cold start.',
  sources: ['voicebench: synthetic fixed figures for accuracy tests, not a measurement of any provider'],
  stt: {
    rttMs: 0,
    batch: fixed(200),
    streamingFinal: fixed(200),
  },
  llm: {
    rttMs: 0,
    ttft: fixed(300),
    tokensPerSecond: fixed(50),
  },
  tts: {
    rttMs: 0,
    ttfb: fixed(100),
    realtimeFactor: 20,
  },
  coldStartMs: 0,
};

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Frozen: a run that wants other figures builds its own `SimProfile`, never edits these. */
export const PROFILES: Readonly<Record<ProfileName, SimProfile>> = deepFreeze({
  'seed-article': seedArticle,
  typical,
  constant,
});

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const SUGGEST_MAX_DISTANCE = 2;

function closestName(name: string): ProfileName | undefined {
  const wanted = name.trim().toLowerCase();
  let best: { name: ProfileName; distance: number } | undefined;
  for (const candidate of PROFILE_NAMES) {
    const distance = levenshtein(wanted, candidate);
    if (distance <= SUGGEST_MAX_DISTANCE && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/** The named profile; an unknown name is an `InputError` whose hint lists the valid names. */
export function getProfile(name: string): SimProfile {
  if (isProfileName(name)) return PROFILES[name];
  const valid = `valid profiles: ${PROFILE_NAMES.join(', ')}`;
  const suggestion = closestName(name);
  throw new InputError(`unknown sim profile ${JSON.stringify(name)}`, {
    hint: suggestion === undefined ? valid : `did you mean "${suggestion}"? ${valid}`,
  });
}
