import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadVadModel } from '../audio/vad.js';
import { lastSpeechFrame, replayFrames } from '../caller/replay.js';
import { systemClock } from '../metrics/clock.js';
import { getProfile } from '../providers/profiles.js';
import { replyFor } from '../providers/sim/replies.js';
import { createSimPipeline } from '../providers/sim/sim-pipeline.js';
import type { ChatMessage, TurnHints } from '../providers/types.js';
import { DEFAULT_CORPUS_DIR, loadUtterance } from '../scenarios/corpus.js';
import type { Utterance } from '../scenarios/utterance.js';
import { chunkText, type ChunkingOptions } from './chunking.js';
import { Conversation } from './conversation.js';
import type { AgentEvent } from './events.js';
import { Stages } from './stages.js';
import { StreamingCall } from './streaming-call.js';
import { truncationMatches } from './truncation.js';

/** What the agent sent, in order: events and audio frames (audible or not). */
type Sent = { kind: 'event'; event: AgentEvent } | { kind: 'frame' };

const chunking: ChunkingOptions = { policy: 'sentence', firstPhraseWords: 4 };
const interruptions = join(DEFAULT_CORPUS_DIR, 'interruptions');

/**
 * One real call on the real clock: the caller says `first`, and `overBotMs` after the agent's
 * first audio leaves, says `over` into the same microphone stream; then keeps the line open
 * (silence) until the agent has finished answering whatever it answers last.
 */
async function call(first: Utterance, over: Utterance, overBotMs: number): Promise<{ sent: Sent[]; conversation: Conversation; llmRequests: ChatMessage[][] }> {
  const pipeline = createSimPipeline(getProfile('constant'), 1, systemClock);
  await pipeline.prepare((reply) => chunkText(reply, chunking));
  const llmRequests: ChatMessage[][] = [];
  const llm = pipeline.llm;
  const spyPipeline = {
    ...pipeline,
    llm: {
      name: llm.name,
      stream: (messages: readonly ChatMessage[], hints: TurnHints, signal: AbortSignal) => {
        llmRequests.push(messages.map((message) => ({ ...message })));
        return llm.stream(messages, hints, signal);
      },
    },
  };
  const sent: Sent[] = [];
  const conversation = new Conversation();
  let firstAudioAtMs: number | undefined;
  const streaming = new StreamingCall({
    stages: new Stages(spyPipeline),
    conversation,
    clock: systemClock,
    vadModel: await loadVadModel(),
    silenceTimeoutMs: 500,
    chunking,
    output: {
      event: (event) => sent.push({ kind: 'event', event }),
      audio: () => {
        firstAudioAtMs ??= systemClock.nowMs();
        sent.push({ kind: 'frame' });
      },
    },
  });
  const signal = AbortSignal.timeout(40_000);
  streaming.startTurn({ turn: 0, transcript: first.transcript, speechEndFrame: lastSpeechFrame(first.speechEndMs) });
  let overFrame: number | undefined;
  const lastDone = (): boolean => sent.some((s) => s.kind === 'event' && s.event.type === 'response.done' && (s.event.turn === 1 || over.id === 'uh-huh'));
  for await (const frame of replayFrames(first.samples, systemClock, signal)) {
    let samples = frame.samples;
    if (overFrame === undefined && firstAudioAtMs !== undefined && systemClock.nowMs() >= firstAudioAtMs + overBotMs) {
      overFrame = frame.index;
      streaming.startTurn({ turn: 1, transcript: over.transcript, speechEndFrame: lastSpeechFrame(over.speechEndMs) });
    }
    if (overFrame !== undefined) {
      const offset = (frame.index - overFrame) * samples.length;
      samples = new Int16Array(samples.length);
      samples.set(over.samples.subarray(offset, offset + samples.length));
    }
    streaming.pushFrame(samples);
    if (lastDone() && overFrame !== undefined && frame.index - overFrame > over.samples.length / samples.length) break;
  }
  await streaming.close();
  return { sent, conversation, llmRequests };
}

function indexOf(sent: readonly Sent[], type: AgentEvent['type'], turn: number): number {
  return sent.findIndex((s) => s.kind === 'event' && s.event.type === type && 'turn' in s.event && s.event.turn === turn);
}

function framesBetween(sent: readonly Sent[], from: number, to: number): number {
  return sent.slice(from + 1, to).filter((s) => s.kind === 'frame').length;
}

test('an interruption pauses the audio at onset, then cuts the answer, truncates and flags the context, and the next LLM request carries it', async () => {
  const first = await loadUtterance(join(DEFAULT_CORPUS_DIR, 'table-booking.wav'));
  const over = await loadUtterance(join(interruptions, 'hold-on.wav'));
  const { sent, conversation, llmRequests } = await call(first, over, 1500);

  const paused = indexOf(sent, 'audio.pause', 0);
  const interrupted = indexOf(sent, 'response.interrupted', 0);
  const nextResponse = indexOf(sent, 'response.start', 1);
  assert.ok(paused >= 0 && interrupted > paused, `audio.pause then response.interrupted for turn 0; got ${sent.filter((s) => s.kind === 'event').map((s) => (s.kind === 'event' ? s.event.type : '')).join(', ')}`);
  assert.equal(indexOf(sent, 'audio.resume', 0), -1, 'speech that lasts is not a false interruption');
  assert.equal(indexOf(sent, 'response.done', 0), -1, 'the interrupted answer is never reported done');
  assert.ok(nextResponse > interrupted, 'the interruption is answered');
  assert.equal(framesBetween(sent, paused, interrupted), 0, 'no audio leaves while the barge-in is being confirmed');
  assert.equal(framesBetween(sent, interrupted, nextResponse), 0, 'no audio of the interrupted answer after the stop');

  const event = (sent[interrupted] as { kind: 'event'; event: Extract<AgentEvent, { type: 'response.interrupted' }> }).event;
  const fullReply = replyFor([{ role: 'user', content: first.transcript }]);
  assert.ok(event.reply.length > 0 && event.reply.length < fullReply.length, `cut short: "${event.reply}"`);
  assert.ok(fullReply.startsWith(event.reply), `a prefix of the answer: "${event.reply}"`);
  // the bot had been audible ~1.5 s (sent 1 s ahead): the agent counts what was played, not what was sent
  assert.ok(event.heardMs > 1400 && event.heardMs < 2000, `heard ${event.heardMs} ms`);
  assert.ok(truncationMatches(event.chunks, event.heardMs, event.reply).ok, 'the kept text matches the audio heard');

  const flagged = conversation.messages.find((m) => m.role === 'assistant' && m.interrupted);
  assert.deepEqual(flagged, { role: 'assistant', content: event.reply, interrupted: true });
  assert.equal(llmRequests.length, 2);
  const second = llmRequests[1] ?? [];
  assert.deepEqual(second.slice(-2), [
    { role: 'assistant', content: event.reply, interrupted: true },
    { role: 'user', content: over.transcript },
  ]);
  const done = sent[indexOf(sent, 'response.done', 1)];
  assert.ok(done?.kind === 'event' && done.event.type === 'response.done');
  assert.equal(done.event.contextInterrupted, event.reply, 'the agent reports what the next request carried');
});

test('a backchannel pauses the bot, which resumes where it stopped and finishes its answer', async () => {
  const first = await loadUtterance(join(DEFAULT_CORPUS_DIR, 'table-booking.wav'));
  const over = await loadUtterance(join(interruptions, 'uh-huh.wav'));
  const { sent, conversation, llmRequests } = await call(first, over, 1200);

  const paused = indexOf(sent, 'audio.pause', 0);
  const resumed = indexOf(sent, 'audio.resume', 0);
  assert.ok(paused >= 0 && resumed > paused, 'the onset paused the bot and the short speech resumed it');
  assert.equal(framesBetween(sent, paused, resumed), 0, 'nothing was sent while paused');
  assert.equal(indexOf(sent, 'response.interrupted', 0), -1, 'no interruption');
  const done = sent[indexOf(sent, 'response.done', 0)];
  assert.ok(done?.kind === 'event' && done.event.type === 'response.done');
  const fullReply = replyFor([{ role: 'user', content: first.transcript }]);
  assert.equal(done.event.reply, fullReply, 'the whole answer was spoken');
  assert.equal(llmRequests.length, 1, '"uh-huh" was not taken as a turn');
  assert.deepEqual(conversation.messages.at(-1), { role: 'assistant', content: fullReply });
});
