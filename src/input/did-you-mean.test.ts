// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, didYouMean } from './did-you-mean.js';

test('close names are suggested, far ones are not', () => {
  assert.equal(closestName('tabel-booking', ['refund-request', 'table-booking']), 'table-booking');
  assert.equal(closestName('bargein', ['utterance', 'pauseBeforeMs', 'bargeIn']), 'bargeIn');
  assert.equal(closestName('transport', ['name', 'transports']), 'transports');
  assert.equal(closestName('webrct', ['rest', 'ws', 'webrtc']), 'webrtc');
  assert.equal(closestName('udp', ['rest', 'ws', 'webrtc']), undefined);
  assert.equal(closestName('x', ['ws']), undefined);
  assert.equal(closestName('refund', ['refund-request']), undefined);
});

test('the nearest of several close names wins; ties go to the first listed', () => {
  assert.equal(closestName('phrasewords', ['phraseWord', 'phraseWords']), 'phraseWords');
  assert.equal(closestName('ab', ['ac', 'ad']), 'ac');
});

test('didYouMean is a message suffix or nothing', () => {
  assert.equal(didYouMean('Quickstart', ['quickstart']), '; did you mean "quickstart"?');
  assert.equal(didYouMean('zzz', ['quickstart']), '');
});
