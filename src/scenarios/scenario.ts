/**
 * The scenario format (docs/scenarios.md): what a run plays, as one zod schema. Every object is
 * strict, so a misspelt key is an error rather than a silently ignored setting. The same schema
 * produces schemas/scenario.schema.json (scripts/make-schema.ts) for editors.
 */
import { z } from 'zod';
import { CHUNKING_POLICIES } from '../agent/chunking.js';
import { PROFILE_NAMES } from '../providers/profiles.js';
import type { TransportName } from '../report/result.js';
import { fieldExpectations, numberIn } from '../input/expectations.js';
import { InputError } from '../errors.js';
import { NETWORK_PROFILE_NAMES, resolveNetwork } from '../transports/netem/network-profile.js';
import { GateSyntaxError, parseGate } from '../metrics/gates.js';

/**
 * The transports a scenario may name. Listed here rather than imported from
 * src/transports/transport.ts, which would load every transport (WebRTC included) just to
 * validate a file; the check below keeps the two lists equal.
 */
export const SCENARIO_TRANSPORTS = ['rest', 'ws', 'webrtc'] as const satisfies readonly TransportName[];
const _everyTransportListed: [Exclude<TransportName, (typeof SCENARIO_TRANSPORTS)[number]>] extends [never] ? true : false = true;

/** Field descriptions go on before `fieldExpectations`: `describe` returns a copy, which the registry would not know. */
function utteranceRef(description: string): z.ZodString {
  return z.string().min(1).describe(description).register(fieldExpectations, { expects: 'a corpus utterance id (a WAV name without .wav) or a path to a .wav file' });
}

export const bargeInSchema = z
  .strictObject({
    utterance: utteranceRef('What the caller says over the bot: a corpus utterance id, or a path to a .wav (contains "/" or ends in .wav), relative to the scenario file.'),
    afterBotAudioMs: numberIn({ min: 0 })
      .optional()
      .describe("Start speaking this long after the bot's first audible audio, as played at the caller. Give this or afterBotWords."),
    afterBotWords: numberIn({ integer: true, min: 1 })
      .optional()
      .describe('Start speaking once the agent reports having spoken this many words. Give this or afterBotAudioMs.'),
    expect: z
      .enum(['interrupt', 'continue'])
      .default('interrupt')
      .describe('interrupt: the bot must stop. continue: a backchannel ("uh-huh") that must not interrupt the bot.'),
  })
  .refine((bargeIn) => (bargeIn.afterBotAudioMs === undefined) !== (bargeIn.afterBotWords === undefined), {
    message: 'give exactly one of afterBotAudioMs or afterBotWords',
    // also when another key of the barge-in is wrong, so that every problem is listed at once
    when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
  })
  .meta({ oneOf: [{ required: ['afterBotAudioMs'] }, { required: ['afterBotWords'] }] });

export const turnSchema = z.strictObject({
  utterance: utteranceRef('What the caller says: a corpus utterance id, or a path to a .wav (contains "/" or ends in .wav), relative to the scenario file.'),
  pauseBeforeMs: numberIn({ min: 0, max: 60_000 }).default(0).describe('Silence before the caller starts speaking this turn.'),
  bargeIn: bargeInSchema.optional().describe('Speech the caller plays over the bot\'s answer to this turn.'),
});

const transportList = z
  .array(z.enum(SCENARIO_TRANSPORTS))
  .min(1)
  .superRefine(
    (names, ctx) => {
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) ctx.addIssue({ code: 'custom', message: `"${name}" is already listed; list each transport once`, path: [index], input: name });
      });
    },
    // also when another entry is unknown, so that every problem is listed at once
    { when: (payload) => Array.isArray(payload.value) },
  )
  .meta({ uniqueItems: true })
  .register(fieldExpectations, { expects: `a non-empty list of ${SCENARIO_TRANSPORTS.join(', ')}` });

const turnList = z
  .array(turnSchema)
  .min(1)
  .register(fieldExpectations, { expects: 'a non-empty list of turns (leave turns out to play every corpus utterance once)' });

export const scenarioSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .describe('The scenario\'s name: lowercase letters, digits and dashes.')
      .register(fieldExpectations, { expects: 'a name of lowercase letters, digits and dashes, like "barge-in"' }),
    description: z.string().min(1).describe('What the scenario exercises, in a sentence or two.').register(fieldExpectations, { expects: 'a non-empty string' }),
    corpus: z
      .string()
      .min(1)
      .register(fieldExpectations, { expects: 'a directory path' })
      .optional()
      .describe('Directory of caller WAVs (+ sidecar JSON), relative to the scenario file. Default: the committed corpus. --corpus overrides it.'),
    transports: transportList.optional().describe('Transports to measure. Default: rest. --transport overrides it.'),
    profile: z.enum(PROFILE_NAMES).optional().describe('Simulated provider latency profile. Default: typical. --profile overrides it.'),
    seed: numberIn({ integer: true, min: 0, max: 0xffffffff }).optional().describe('Seed for sampled latencies and network impairment decisions. Default: 1. --seed overrides it.'),
    network: z
      .string()
      .superRefine((text, ctx) => {
        try {
          resolveNetwork(text, 'network');
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          ctx.addIssue({ code: 'custom', message: `${err.message.replace(/^network: /, '')}; ${err.hint ?? ''}`, input: text });
        }
      })
      .register(fieldExpectations, { expects: `a network profile (${NETWORK_PROFILE_NAMES.join(', ')}) or a spec like "delay=40ms,jitter=10ms,loss=2%,burst=3,bandwidth=2mbit"` })
      .optional()
      .describe(`The network between caller and agent: ${NETWORK_PROFILE_NAMES.join(', ')}, or "delay=40ms,jitter=10ms,loss=2%,burst=3,bandwidth=2mbit". Default: none. --network overrides it.`),
    chunking: z.enum(CHUNKING_POLICIES).optional().describe('When the streaming agent hands the answer to TTS. Default per transport (ws sentence, webrtc phrase). --chunking overrides it.'),
    phraseWords: numberIn({ integer: true, min: 1 }).optional().describe('phrase chunking: words in the first chunk. Default: 4. --phrase-words overrides it.'),
    endpointing: z
      .strictObject({
        silenceTimeoutMs: numberIn({ min: 0, minExclusive: true, max: 60_000 })
          .optional()
          .describe('Silence after speech that ends the utterance. Default: 500. --silence-timeout overrides it.'),
        bargeInMinSpeechMs: numberIn({ min: 0, minExclusive: true, max: 5_000 })
          .optional()
          .describe('Speech while the bot talks must last this long to interrupt it; shorter speech (a cough, "uh-huh") lets the bot resume.'),
      })
      .optional()
      .describe('How the agent decides the caller has finished, or is interrupting.'),
    gates: z
      .array(
        z.string().superRefine((text, ctx) => {
          try {
            parseGate(text, SCENARIO_TRANSPORTS);
          } catch (err) {
            if (!(err instanceof GateSyntaxError)) throw err;
            ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${err.message}`, input: text });
          }
        }),
      )
      .register(fieldExpectations, { expects: 'a list of gate expressions like "p95(v2v) < 800ms" (see docs/gates.md)' })
      .optional()
      .describe('Gates checked after the run, e.g. ["p95(v2v) < 800ms", "rate(errors) < 1%"]; a failed gate exits 99. Grammar in docs/gates.md. --gate replaces them.'),
    repeat: numberIn({ integer: true, min: 1 }).default(1).describe('The turn list runs this many times on one call.'),
    turns: turnList.optional().describe('What the caller says, in order. Default: every corpus utterance once, in name order.'),
  })
  .meta({ title: 'voicebench scenario', description: 'What a voicebench run plays: the caller\'s turns, scripted barge-ins and run settings. See docs/scenarios.md.' });

/** A scenario as parsed, defaults applied; utterances not yet resolved. */
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioTurn = z.output<typeof turnSchema>;
export type ScenarioBargeIn = z.output<typeof bargeInSchema>;
