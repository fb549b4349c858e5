// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpReceiveStats } from './webrtc-peer.js';

test('RTP loss counts packets expected minus received: a gap is lost until its packet arrives late, across the 16-bit wrap', () => {
  const stats = new RtpReceiveStats();
  for (const sequenceNumber of [65533, 65534, 0, 1, 65535, 4]) stats.add(sequenceNumber);
  // 65533 … 4 is 8 packets; 2 and 3 never came; 65535 came late and is not lost
  assert.equal(stats.received, 6);
  assert.equal(stats.lost, 2);
});
