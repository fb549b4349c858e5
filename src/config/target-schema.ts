/**
 * The `targets:` section of voicebench.config.yaml (docs/targets.md): agents voicebench did not
 * start, each dialled over the protocol it already speaks. Strict objects, so a misspelt key is
 * an error; header values name environment variables (`${BOT_TOKEN}`) so that no secret lives
 * in the file.
 */
import { z } from 'zod';
import { fieldExpectations, numberIn } from '../input/expectations.js';
import { isMapping } from '../input/yaml-file.js';
import { TARGET_NAME, TARGET_PROTOCOLS, isTransportName } from '../names.js';
import { ENV_NAME, envNameProblem } from './env-name.js';

/** Twilio's own format, and the variants its clones (Telnyx and others) stream. */
export const TWILIO_ENCODINGS = ['audio/x-mulaw', 'audio/x-l16'] as const;
export type TwilioEncoding = (typeof TWILIO_ENCODINGS)[number];

export const DEFAULT_ANSWER_TIMEOUT_MS = 8_000;
export const DEFAULT_REPLY_GAP_MS = 1_000;
export const MAX_TARGET_TIMEOUT_MS = 120_000;

/** `${NAME}` inside a header value: replaced by that environment variable's value. */
export const ENV_REFERENCE = /\$\{([^}]*)\}/g;

/** A header whose value is a credential: it must come from the environment. */
export function isCredentialHeader(name: string): boolean {
  return /authoriz|api[-_]?key|token|secret|cookie|password|credential/i.test(name);
}

/** Why a target URL cannot be dialled, or undefined; never echoes credentials. */
export function targetUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected a ws:// or wss:// URL, like ws://127.0.0.1:8765/media, got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  }
  if (url.username !== '' || url.password !== '') return 'the URL holds credentials (user:password@): put them in a header taken from the environment, e.g. headers: { Authorization: "Bearer ${BOT_TOKEN}" }';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `expected a ws:// or wss:// URL (the protocols here are WebSocket), got ${url.protocol}//…`;
  return undefined;
}

/** Why a target name cannot name a column, or undefined. */
export function targetNameProblem(name: string): string | undefined {
  if (isTransportName(name)) return `"${name}" is one of voicebench's own transports; name the target something else (it names its report column)`;
  if (!TARGET_NAME.test(name)) return `expected a name of lowercase letters, digits, - and _ starting with a letter (at most 40), like bot or pipecat-prod, got ${JSON.stringify(name)}`;
  return undefined;
}

/** Values with `${NAME}` references: each a valid variable name, and a credential never written out. */
function templateRules(kind: 'header' | 'parameter') {
  return (values: Record<string, string>, ctx: z.RefinementCtx): void => {
    for (const [name, value] of Object.entries(values)) {
      const problem = (message: string): void => ctx.addIssue({ code: 'custom', message, path: [name], input: undefined });
      if (kind === 'header' && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) problem(`"${name}" is not a valid HTTP header name`);
      const references = [...value.matchAll(ENV_REFERENCE)].map((match) => match[1] ?? '');
      for (const reference of references) {
        if (!ENV_NAME.test(reference)) problem(`\${${reference}}: ${envNameProblem(reference) ?? 'not an environment variable name'}`);
      }
      if (isCredentialHeader(name) && references.length === 0) {
        problem(`a credential takes its value from the environment, never from the file: write it as "${kind === 'header' ? 'Bearer ' : ''}\${BOT_TOKEN}" and export BOT_TOKEN`);
      }
    }
  };
}

const nonEmpty = (): z.ZodString => z.string().min(1).register(fieldExpectations, { expects: 'a non-empty string' });

const twilioSchema = z.strictObject({
  mediaFormat: z
    .strictObject({
      encoding: z.enum(TWILIO_ENCODINGS).describe("audio/x-mulaw (Twilio's, 8 kHz) or audio/x-l16 (16-bit linear PCM, little-endian, as Telnyx-style clones stream)."),
      sampleRate: z.union([z.literal(8000), z.literal(16000)]).register(fieldExpectations, { expects: '8000 or 16000' }).describe('Hz. audio/x-mulaw is 8000 only.'),
    })
    .refine((format) => format.encoding !== 'audio/x-mulaw' || format.sampleRate === 8000, { message: 'audio/x-mulaw is 8000 Hz only', path: ['sampleRate'] })
    .optional()
    .describe("Default { encoding: audio/x-mulaw, sampleRate: 8000 }, Twilio's only format."),
  customParameters: z.record(z.string(), z.string()).superRefine(templateRules('parameter')).optional().describe("Sent in start.customParameters, as TwiML <Parameter> elements would; ${NAME} in a value is replaced by that environment variable."),
});

const turnDetectionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('server_vad'),
    threshold: numberIn({ min: 0, max: 1 }).optional(),
    prefixPaddingMs: numberIn({ integer: true, min: 0, max: 10_000 }).optional(),
    silenceDurationMs: numberIn({ integer: true, min: 0, max: 10_000 }).optional(),
  }),
  z.strictObject({ type: z.literal('semantic_vad'), eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional() }),
]);

const realtimeSchema = z.strictObject({
  apiKeyEnv: z
    .string()
    .refine((value) => envNameProblem(value) === undefined, { message: 'expected the name of an environment variable, like OPENAI_API_KEY, not the key itself' })
    .optional()
    .describe('The variable holding the key sent as Authorization: Bearer. Default OPENAI_API_KEY.'),
  turnDetection: turnDetectionSchema.optional().describe('Default { type: server_vad } with the server\'s own defaults.'),
  voice: nonEmpty().optional(),
  instructions: z.string().max(10_000).optional(),
});

export const targetEntrySchema = z
  .strictObject({
    protocol: z.enum(TARGET_PROTOCOLS).describe('twilio (Twilio Media Streams, voicebench plays Twilio), openai-realtime (voicebench plays a Realtime app), voicebench (a voicebench serve elsewhere).'),
    url: z.string().register(fieldExpectations, { expects: 'a ws:// or wss:// URL, like ws://127.0.0.1:8765/media' }).describe('Where the agent accepts the WebSocket.'),
    headers: z.record(z.string(), z.string()).superRefine(templateRules('header')).optional().describe('Sent with the WebSocket upgrade; ${NAME} in a value is replaced by that environment variable.'),
    answerTimeoutMs: numberIn({ min: 100, max: MAX_TARGET_TIMEOUT_MS }).optional().describe(`A turn with no audible answer this long after the speech end fails as no_answer. Default ${DEFAULT_ANSWER_TIMEOUT_MS}.`),
    replyGapMs: numberIn({ min: 100, max: 30_000 }).optional().describe(`twilio: a pause in the bot's audio this long ends its reply (Twilio has no end-of-response event). Default ${DEFAULT_REPLY_GAP_MS}.`),
    hints: z.boolean().optional().describe("Sim-only: send each turn's corpus transcript and speech-end frame as an extra event, for voicebench serve's stand-ins. A real agent ignores or rejects it. Default false."),
    twilio: twilioSchema.optional(),
    openaiRealtime: realtimeSchema.optional(),
  })
  .superRefine((value, ctx) => {
    const problem = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', message, path, input: undefined });
    if (typeof value.url === 'string') {
      const urlProblem = targetUrlProblem(value.url);
      if (urlProblem !== undefined) problem(['url'], urlProblem);
    }
    if (value.twilio && value.protocol !== 'twilio') problem(['twilio'], `"twilio" settings apply to protocol twilio; this target speaks ${value.protocol}`);
    if (value.openaiRealtime && value.protocol !== 'openai-realtime') problem(['openaiRealtime'], `"openaiRealtime" settings apply to protocol openai-realtime; this target speaks ${value.protocol}`);
    if (value.replyGapMs !== undefined && value.protocol !== 'twilio') problem(['replyGapMs'], `"replyGapMs" applies to protocol twilio, which has no end-of-response event; ${value.protocol} says when a reply ends`);
  }, { when: (payload) => isMapping(payload.value) })
  .register(fieldExpectations, { expects: 'a mapping like { protocol: twilio, url: ws://127.0.0.1:8765/media }' });

export type TargetEntry = z.output<typeof targetEntrySchema>;

export const targetsSchema = z
  .record(z.string(), targetEntrySchema)
  .superRefine((targets, ctx) => {
    for (const name of Object.keys(targets)) {
      const problem = targetNameProblem(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: [name], input: undefined });
    }
  })
  .describe('Agents voicebench did not start, by name (the name is the report column and the {target=NAME} gate scope).');
