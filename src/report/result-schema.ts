import { STAGE_NAMES } from '../config/provider-schema.js';
/**
 * result.json (src/report/result.ts) as one zod schema: what `report`, `compare` and `merge`
 * check a saved result against, and what produces schemas/result.schema.json
 * (scripts/make-schema.ts). A compile-time check below keeps it equal to `RunResult`.
 *
 * Forward compatibility: within one schemaVersion a newer voicebench may add a key, so an
 * object's unknown keys are accepted and dropped rather than refused (zod's default object,
 * not `.strict()`). Dropped, not kept (`.loose()`): a key this version does not know, it
 * cannot keep true through `merge`, and the parsed value stays exactly `RunResult`. Names
 * that carry meaning (span, mark, transport, segment, codec, policy) are checked against
 * this version's lists: a value it does not know is a problem, since nothing read from it
 * would mean what the name says here.
 */
import { z } from 'zod';
import { CHUNKING_POLICIES } from '../agent/chunking.js';
import { CODEC_NAMES } from '../audio/codecs.js';
import { fieldExpectations, numberIn } from '../input/expectations.js';
import { GATE_OPERATORS } from '../metrics/gates.js';
import { MARKS } from '../metrics/marks.js';
import { SPAN_NAMES } from '../metrics/spans.js';
import { WATERFALL_SEGMENTS } from '../metrics/waterfall.js';
import type { ProviderStage } from '../providers/provider-error.js';
import { TARGET_NAME, TARGET_PROTOCOLS, TRANSPORT_NAMES } from '../names.js';
import { SCHEMA_VERSION, type RunResult } from './result.js';

/** The stages a provider runs, as a list (provider-error.ts has the type only); the check below keeps the two equal. */
export const PROVIDER_STAGES = STAGE_NAMES satisfies readonly ProviderStage[];
const _everyStageListed: [Exclude<ProviderStage, (typeof PROVIDER_STAGES)[number]>] extends [never] ? true : false = true;

/** An object of the file, described for the JSON Schema, and named as "an object" in messages. */
function object<Shape extends z.core.$ZodLooseShape>(shape: Shape, description?: string): z.ZodObject<Shape, z.core.$strip> {
  const schema = z.object(shape);
  return (description === undefined ? schema : schema.describe(description)).register(fieldExpectations, { expects: 'an object' });
}

/** `Partial<Record<K, …>>`: an object whose keys are some of `keys`. */
function someKeys<const K extends string, V extends z.ZodType>(keys: readonly K[], value: V): z.ZodObject<{ [Key in K]: z.ZodOptional<V> }, z.core.$strip> {
  return object(Object.fromEntries(keys.map((key) => [key, value.optional()])) as { [Key in K]: z.ZodOptional<V> });
}

/** `Record<K, …>`: an object with every one of `keys`. */
function everyKey<const K extends string, V extends z.ZodType>(keys: readonly K[], value: V): z.ZodObject<{ [Key in K]: V }, z.core.$strip> {
  return object(Object.fromEntries(keys.map((key) => [key, value])) as { [Key in K]: V });
}

/**
 * A key the writer always sets but JSON leaves out while it is undefined (`finishedAt` while
 * the run goes on): absent from the file, a key holding `T | undefined` in `RunResult`.
 */
function absentWhileUndefined<T extends z.ZodType>(schema: T): z.ZodType<z.output<T> | undefined, z.input<T> | undefined> {
  return schema.optional();
}

const count = numberIn({ integer: true, min: 0 });
const text = z.string();
const transportName = z.enum(TRANSPORT_NAMES);
/** A column: a built-in transport's name or a target's; read-result.ts checks it is one of the run's. */
const columnName = z.string().regex(TARGET_NAME, 'expected a transport or target name (lowercase letters, digits, - and _)').register(fieldExpectations, { expects: 'a transport or target name' });
const spanName = z.enum(SPAN_NAMES);

export const spanSummarySchema = object(
  {
    count: count.describe('Samples in the histogram.'),
    min: z.number(),
    mean: z.number(),
    p50: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
    max: z.number(),
    hdr: text.describe('The histogram, compressed and base64-encoded (HdrHistogram V2 format), values in µs: what merge adds and compare tests.'),
  },
  'One span (or waterfall segment) over the turns of a transport, in ms: HDR histogram percentiles, within 0.1 % of the exact sample.',
).meta({ id: 'SpanSummary' });

/** Segments added within schemaVersion 2 (targets): a file written before them has none, which reads as 0. */
const LATER_SEGMENTS = ['agent', 'silence_pad'] as const;
const EARLIER_SEGMENTS = WATERFALL_SEGMENTS.filter((segment): segment is Exclude<(typeof WATERFALL_SEGMENTS)[number], (typeof LATER_SEGMENTS)[number]> => !(LATER_SEGMENTS as readonly string[]).includes(segment));

export const waterfallSchema = everyKey(EARLIER_SEGMENTS, z.number())
  .extend(Object.fromEntries(LATER_SEGMENTS.map((segment) => [segment, z.number().default(0)])) as { [Key in (typeof LATER_SEGMENTS)[number]]: z.ZodDefault<z.ZodNumber> })
  .describe("A turn's critical path from caller.speech_end to the first audible bot audio, by segment, in ms; sums exactly to its v2v, gaps shown as other.")
  .meta({ id: 'Waterfall' });

const spanValuesSchema = someKeys(SPAN_NAMES, z.number()).describe('Each span whose two marks the turn carries, in ms.');

export const bargeInOutcomeSchema = object(
  {
    utterance: text,
    expect: z.enum(['interrupt', 'continue']).describe('interrupt: the bot must stop. continue: a backchannel that must not interrupt it.'),
    spoken: z.boolean().describe('The caller spoke over the bot (false when the answer ended before the barge-in point).'),
    interrupted: z.boolean().describe('The agent cut its answer short.'),
    falseInterruptions: count.describe('Onsets the agent paused for and then resumed (speech too short to interrupt).'),
    pausedMs: z.number().describe("How long those pauses held the bot's audio, in total."),
    heardMs: z.number().describe('Bot audio the caller played before the bot fell silent (the whole answer when not interrupted).'),
    truncated: text.optional().describe('The answer as far as it was heard, as the agent kept it in its context.'),
    contextInterrupted: text.optional().describe('The interrupted answer the next LLM request carried, as the agent reported it.'),
    correct: z.boolean().describe('Everything expected held; otherwise problems says what did not.'),
    problems: z.array(text),
  },
  'What happened when the caller spoke over the bot, judged against what was expected.',
).meta({ id: 'BargeInOutcome' });

const retriesSchema = everyKey(PROVIDER_STAGES, count).describe('Retries per provider stage.');

export const turnRecordSchema = object(
  {
    transport: columnName.describe('The column: a transport\'s or a target\'s name.'),
    turnIndex: count,
    utterance: text.describe('The corpus utterance the caller said.'),
    marksMs: someKeys(MARKS, z.number()).describe('Marks in ms relative to caller.speech_end; empty for a failed turn (see error).'),
    spans: spanValuesSchema,
    waterfall: waterfallSchema.optional(),
    transcript: text.optional().describe('The corpus transcript of the utterance (what the caller said), not the STT output.'),
    reply: text.optional().describe('What the bot said, as the agent reported it.'),
    error: object({ stage: text, message: text }, 'Why the turn failed.').optional(),
    bargeIn: bargeInOutcomeSchema.optional().describe("The caller spoke over this turn's answer: what happened, and the correctness verdict."),
    interrupting: z.boolean().optional().describe("This turn's utterance interrupted the previous turn's answer."),
    provider: object(
      { retries: retriesSchema, coldStages: z.array(z.enum(PROVIDER_STAGES)) },
      'OpenAI-compatible stages: retries, and stages whose request opened a new connection (their spans are reported as cold).',
    ).optional(),
  },
  'One turn as it finished, marks included: the per-turn samples compare and merge read.',
).meta({ id: 'TurnRecord' });

const bargeInSummarySchema = object(
  {
    turns: count.describe('Turns with a scripted barge-in (interruptions and backchannels).'),
    spoken: count.describe('Of them, spoken over the bot (the answer had not ended first).'),
    interruptions: object({ expected: count, happened: count }),
    backchannels: object({ expected: count, interrupted: count }),
    falseInterruptions: count,
    correct: count,
    note: text.optional().describe("How the legacy client's agent learns of an interruption (REST)."),
    problems: z.array(text).describe('Why turns were judged incorrect (the first few).'),
  },
  "A transport's barge-ins: how many were scripted, what happened, how many were correct.",
);

const waterfallTurnSchema = object({ turnIndex: count, utterance: text, v2v: z.number(), segments: waterfallSchema }).meta({ id: 'WaterfallTurn' });

const waterfallSummarySchema = object({
  medianTurn: absentWhileUndefined(waterfallTurnSchema).describe('The turn whose v2v is nearest the v2v median: its critical path, summing exactly to its v2v.'),
  p95Turn: waterfallTurnSchema.optional().describe("The turn whose v2v is nearest the v2v p95: where the tail's time goes."),
  meanTurn: absentWhileUndefined(object({ turns: count, v2v: z.number(), segments: waterfallSchema })).describe(
    "Each segment's mean over the turns with a waterfall; sums exactly to their mean v2v.",
  ),
  segments: someKeys(WATERFALL_SEGMENTS, spanSummarySchema).describe("Each segment's own percentiles across turns (these do not add up; the median turn's do)."),
});

const rtpDirectionSchema = object(
  { packetsReceived: count, packetsLost: count, concealed: count, late: count },
  'concealed: frames the receiver made up for lost or late packets; late: packets that came after their frame was made up.',
).meta({ id: 'RtpDirection' });

export const linkStatsSchema = object(
  {
    packets: count.describe('Packets (UDP datagrams, TCP segments) that crossed the impaired link.'),
    lost: count.describe('Lost to the loss process (UDP: never delivered; TCP: delivered after a retransmission stall).'),
    queueDrops: count.describe("UDP: dropped because the bottleneck's queue was full."),
    reordered: count.describe('UDP: delivered before a packet sent earlier.'),
    stallsMs: z.array(z.number()).describe('TCP: how long each lost segment held the stream, in ms.'),
    lostIndexes: z.array(count).describe("Index of each lost RTP media packet in its direction's media order (UDP), or of each lost segment (TCP); the first 1000."),
  },
  'What the impairment did to one direction of a link.',
).meta({ id: 'LinkStats' });

export const transportResultSchema = object(
  {
    chunking: z.enum(CHUNKING_POLICIES).optional().describe('When the agent handed the answer to TTS; absent for a target.'),
    target: object({ protocol: z.enum(TARGET_PROTOCOLS), url: text }, 'Present when the column is a target: the protocol voicebench dialled it over, and where.').optional(),
    turns: count,
    errors: count.describe('Turns that failed.'),
    unmeasured: object({ firstError: object({ stage: text, message: text }, "The first turn's error.") }, 'Present when every turn of the column failed: no turn was measured, and the run exits 3.').optional(),
    spans: someKeys(SPAN_NAMES, spanSummarySchema).describe('Each span over the turns, from their histograms (cold provider requests kept out).'),
    waterfall: waterfallSummarySchema,
    bargeIn: bargeInSummarySchema.optional(),
    provider: object(
      { retries: retriesSchema, cold: someKeys(SPAN_NAMES, z.array(z.number())) },
      'OpenAI-compatible stages: retries per stage, and the spans of requests that opened a new connection (kept out of spans).',
    ).optional(),
    connect: object({ coldMs: z.number().optional(), warmMs: z.array(z.number()) }, "Call set-up in ms, not inside any turn's v2v: WebRTC offer → ICE + DTLS connected; a target's handshake → session ready (cold: the first call).").optional(),
    rtp: object(
      { codec: z.enum(CODEC_NAMES), jitterBufferMs: z.number(), uplink: rtpDirectionSchema, downlink: rtpDirectionSchema },
      'WebRTC: RTP packets each way, and the gaps in their sequence numbers.',
    ).optional(),
    network: object(
      { uplink: linkStatsSchema, downlink: linkStatsSchema },
      'What the impaired network did each way (absent on loopback): uplink caller → agent, downlink agent → caller.',
    ).optional(),
  },
  'What one transport measured: span percentiles, the waterfall, barge-ins and what happened outside the turns.',
).meta({ id: 'TransportResult' });

const networkSpecSchema = object(
  {
    delayMs: z.number().describe('One way.'),
    jitterMs: z.number().describe('Standard deviation of a normal added to each packet\'s delay.'),
    loss: numberIn({ min: 0, max: 1 }).describe("Long-run share of packets lost, 0 to 1."),
    burst: z.number().describe('Mean loss-burst length in packets (1: independent losses).'),
    bandwidthBps: z.number().describe('Bits per second each direction is serialized at; 0 is unlimited.'),
  },
  'What the network does to each packet, the same way in both directions.',
);

const runTargetSchema = object(
  {
    name: columnName,
    protocol: z.enum(TARGET_PROTOCOLS),
    url: text.describe('As given, without credentials.'),
    keyVariables: z.array(text).describe('Environment variables the headers or the key came from (never their values).'),
    answerTimeoutMs: z.number().describe('A turn with no audible answer this long after the speech end fails as no_answer.'),
    replyGapMs: z.number().describe('Protocols without an end-of-response event: a pause in the bot audio this long ends its reply.'),
    hints: z.boolean().describe("Sim-only per-turn hints for voicebench serve's stand-ins."),
    settings: text.describe("The protocol's own settings as sent."),
  },
  'An agent voicebench did not start, dialled as a caller over its own protocol.',
).meta({ id: 'RunTarget' });

const runConfigSchema = object(
  {
    transports: z.array(transportName).describe("The transports of voicebench's own agent, in order."),
    targets: z.array(runTargetSchema).optional().describe('Agents voicebench did not start, measured after the transports (absent in files written before targets).'),
    corpus: text,
    profile: text.describe('The simulated providers\' latency profile.'),
    seed: count.describe('Seed for sampled latencies and network impairment decisions.'),
    turns: count.describe('Turns planned per transport.'),
    silenceTimeoutMs: z.number().describe('Silence after speech that ends the utterance.'),
    chunking: someKeys(TRANSPORT_NAMES, z.enum(CHUNKING_POLICIES)).describe("The agent's chunking policy per transport (REST is always full)."),
    firstPhraseWords: count.describe('phrase chunking: words in the first chunk handed to TTS.'),
    maxAheadMs: z.number().describe('WebSocket: how far ahead of real time the agent may send audio.'),
    codec: z.enum(CODEC_NAMES).describe('WebRTC: the RTP audio codec.'),
    jitterBufferMs: z.number().describe("WebRTC: the caller's jitter buffer."),
    vadModel: text,
    scenario: text.describe("The scenario that scripted the turns: a built-in's name or the file as given."),
    bargeInMinSpeechMs: z.number().describe('Caller speech over the bot must last this long to interrupt it.'),
    providers: text.optional().describe('What ran the three stages: the sim providers and their profile, or the servers and models (never a key).'),
    network: object({ name: text, spec: networkSpecSchema }, "The network between caller and agent: a profile's name or the custom spec, and its figures."),
    gates: z.array(text).describe("Gate expressions checked after the run (--gate, or the scenario's gates), as written."),
  },
  'How the run was set up.',
);

export const gateOutcomeSchema = object(
  {
    gate: text.describe('The expression as written.'),
    transport: columnName,
    metric: text.describe('The metric without scope or threshold: p95(v2v), rate(errors).'),
    op: z.enum(GATE_OPERATORS),
    threshold: z.number(),
    unit: z.enum(['ms', '%']),
    measured: z.number().optional().describe('In unit; absent when the transport has no sample of it.'),
    samples: count.describe('The samples (turns, or span values) the measurement is over.'),
    held: z.boolean(),
    reason: text.optional().describe('Why a gate failed without a measurement.'),
  },
  'One gate on one transport, after the run.',
).meta({ id: 'GateOutcome' });

export const runResultSchema = object({
  schemaVersion: z.literal(SCHEMA_VERSION).describe('The version of this format; a reader refuses a version it does not know.'),
  tool: object({ name: text, version: text }, 'The voicebench that wrote the file.'),
  startedAt: text.describe('Wall-clock label (ISO 8601); every interval comes from the monotonic clock.'),
  finishedAt: absentWhileUndefined(text).describe('Wall-clock label (ISO 8601); absent while the run goes on.'),
  complete: z.boolean().describe('False while the run is going and when it was interrupted: what is here was measured.'),
  config: runConfigSchema,
  host: object({ platform: text, arch: text, node: text, cpus: count, cpuModel: text }, 'The machine the run measured on.'),
  spanTable: z
    .array(object({ name: spanName, from: text, to: text, kind: z.literal('audio').optional() }))
    .describe('The span table the run measured with (DESIGN.md §2): results measured with different tables do not merge or compare.'),
  transports: z.record(columnName, transportResultSchema).describe('What each transport and target measured, by column name.'),
  turns: z.array(turnRecordSchema).describe('Every turn as it finished, marks included: the per-turn samples that compare and merge read.'),
  gates: z.array(gateOutcomeSchema).optional().describe("Each gate's verdict per transport, once the run has finished (absent while running)."),
  merged: object(
    { shards: z.array(object({ file: text.describe('The file as given to voicebench merge.'), seed: count, turns: count, startedAt: text })) },
    'Present on the output of voicebench merge: the shards it was made from.',
  ).optional(),
}).meta({
  title: 'voicebench result',
  description: 'What a voicebench run measured (result.json): per-transport span percentiles with their HDR histograms, waterfalls, barge-in verdicts, gates, and every turn. Times in ms unless a name says otherwise. See docs/metrics.md.',
});

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Fails to compile when the schema and `RunResult` differ by a key, an optional mark or a type. */
const _schemaIsRunResult: Equals<z.output<typeof runResultSchema>, RunResult> = true;

/** Where the generated schema is committed, relative to the repository root. */
export const RESULT_JSON_SCHEMA_PATH = 'schemas/result.schema.json';

/**
 * schemas/result.schema.json as it should read, in JSON Schema draft-07 like the scenario
 * schema. Objects leave `additionalProperties` open, as the reader does (see the top of this
 * file); shared shapes are `definitions` named after their TypeScript types.
 */
export function resultJsonSchemaText(): string {
  const schema = z.toJSONSchema(runResultSchema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
