import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadVadModel } from '../../audio/vad.js';
import { systemClock } from '../../metrics/clock.js';
import { PROFILES } from '../../providers/profiles.js';
import { createSimPipeline } from '../../providers/sim/sim-pipeline.js';
import { startWebRtcAgent, type RunningWebRtcAgent } from './webrtc-agent.js';
import { channelOpen, connected, createPeer, EVENTS_CHANNEL, gatheringComplete } from './webrtc-peer.js';

/** Signaling and data-channel robustness: bad requests get the right HTTP status, a bad message ends only its own session. */
let agent: RunningWebRtcAgent;

before(async () => {
  agent = await startWebRtcAgent({
    pipeline: createSimPipeline(PROFILES.constant, 1, systemClock),
    clock: systemClock,
    vadModel: await loadVadModel(),
    silenceTimeoutMs: 500,
    chunking: { policy: 'phrase', firstPhraseWords: 4 },
  });
});

after(async () => {
  await agent.close();
});

async function errorOf(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { message?: string } };
  return body.error?.message ?? '';
}

test('signaling refuses what is not an SDP offer, with the status that says why', async () => {
  const json = await fetch(agent.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(json.status, 415);
  assert.match(await errorOf(json), /application\/sdp/);

  const garbage = await fetch(agent.url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'hello' });
  assert.equal(garbage.status, 400);
  assert.match(await errorOf(garbage), /SDP offer/);

  const get = await fetch(agent.url);
  assert.equal(get.status, 405);
  const unknown = await fetch(`${agent.url}/no-such-session`, { method: 'DELETE' });
  assert.equal(unknown.status, 404);
  assert.equal(agent.activeSessions(), 0);
});

test('a malformed data-channel message gets bad_message and ends only that session; DELETE hangs up', async () => {
  const open = async () => {
    const pc = createPeer(['opus']);
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    const channel = pc.createDataChannel(EVENTS_CHANNEL);
    const messages: Record<string, unknown>[] = [];
    channel.onMessage.subscribe((data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc);
    const response = await fetch(agent.url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription?.sdp ?? '' });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'application/sdp');
    const location = response.headers.get('location') ?? '';
    assert.match(location, /^\/v1\/whip\/[0-9a-f-]{36}$/);
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    await connected(pc, 10_000);
    await channelOpen(channel, 10_000);
    return { pc, channel, location, messages };
  };
  const waitFor = async (condition: () => boolean): Promise<void> => {
    const deadlineMs = systemClock.nowMs() + 5_000;
    while (!condition() && systemClock.nowMs() < deadlineMs) await systemClock.sleep(10);
  };

  const bad = await open();
  const good = await open();
  assert.equal(agent.activeSessions(), 2);
  good.channel.send(JSON.stringify({ type: 'ping', id: 'p' }));
  await waitFor(() => good.messages.length > 0);
  assert.deepEqual(good.messages[0], { type: 'pong', id: 'p' });

  bad.channel.send('{"type":"turn.start","turn":"first"}');
  await waitFor(() => agent.activeSessions() === 1);
  assert.equal(bad.messages[0]?.type, 'error');
  assert.equal(bad.messages[0]?.code, 'bad_message');
  assert.match(String(bad.messages[0]?.message), /turn: .*number/);
  assert.equal(agent.activeSessions(), 1, 'only the misbehaving session ended');

  const hangUp = await fetch(new URL(good.location, agent.url), { method: 'DELETE' });
  assert.equal(hangUp.status, 200);
  assert.equal(agent.activeSessions(), 0);
  await bad.pc.close();
  await good.pc.close();
});
