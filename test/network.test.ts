import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWaterfallsSum, corpusSubset, runBench } from './helpers.js';

/**
 * Both streaming transports over an impaired network, end to end: the WebRTC caller and agent
 * conceal lost frames; the WebSocket's stream stalls until the modelled retransmission; every
 * turn completes, and the network's delay shows in the uplink and downlink spans.
 */
const DELAY_MS = 15;
const NETWORK = `delay=${DELAY_MS}ms,loss=5%,burst=2`;

test(`ws and webrtc over "${NETWORK}": losses are concealed (webrtc) or stall the stream (ws), and the delay is in uplink and downlink`, async () => {
  const { result, turns } = await runBench({ transports: ['ws', 'webrtc'], profile: 'constant', seed: 3, turns: 1, network: NETWORK, corpusDir: await corpusSubset(['no-thanks']) });
  assert.equal(result.config.network.name, NETWORK);
  assert.equal(result.config.network.spec.delayMs, DELAY_MS);
  assert.deepEqual(turns.filter((turn) => turn.error), [], 'every turn completes');
  assertWaterfallsSum(turns);
  for (const turn of turns) {
    // one-way delay at least: the speech-end frame and the first bot audio each crossed the relay
    assert.ok((turn.spans.uplink ?? NaN) >= DELAY_MS - 1, `${turn.transport} turn ${turn.turnIndex}: uplink ${turn.spans.uplink}`);
    assert.ok((turn.spans.downlink ?? NaN) >= DELAY_MS - 1, `${turn.transport} turn ${turn.turnIndex}: downlink ${turn.spans.downlink}`);
  }

  const webrtc = result.transports.webrtc;
  const rtp = webrtc?.rtp;
  const udp = webrtc?.network;
  assert.ok(rtp && udp, 'webrtc reports RTP and network counts');
  assert.ok(udp.uplink.lost > 0 && udp.downlink.lost > 0, `relay losses ${udp.uplink.lost} up, ${udp.downlink.lost} down`);
  // a lost RTP packet is a frame the receiver conceals (unless nothing followed it)
  assert.ok(rtp.uplink.concealed > 0 && rtp.downlink.concealed > 0, `concealed ${rtp.uplink.concealed} up, ${rtp.downlink.concealed} down`);
  assert.ok(rtp.downlink.concealed <= udp.downlink.lost + rtp.downlink.late, 'the caller conceals no more frames than were lost or late');
  assert.equal(udp.uplink.stallsMs.length, 0, 'UDP does not stall');

  const tcp = result.transports.ws?.network;
  assert.ok(tcp, 'ws reports network counts');
  const lost = tcp.uplink.lost + tcp.downlink.lost;
  assert.ok(lost > 0, 'segments were lost');
  const stalls = [...tcp.uplink.stallsMs, ...tcp.downlink.stallsMs];
  assert.equal(stalls.length, lost, 'each lost segment stalled the stream');
  // a loss is repaired one round trip (2 × delay) after a later segment is acknowledged, at the soonest
  for (const stallMs of stalls) assert.ok(stallMs >= 2 * DELAY_MS - 1, `stall ${stallMs} ms`);
});
