// test-lane: shared
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../errors.js';
import { describeSpec, NETWORK_PROFILES, parseNetworkSpec, resolveNetwork } from './network-profile.js';

test('a custom spec gives each parameter in its units', () => {
  assert.deepEqual(parseNetworkSpec('delay=40ms,jitter=10ms,loss=2%,burst=3,bandwidth=2mbit', '--network'), {
    delayMs: 40,
    jitterMs: 10,
    loss: 0.02,
    burst: 3,
    bandwidthBps: 2e6,
  });
  assert.deepEqual(parseNetworkSpec('delay=0.5s, bandwidth=512kbit', '--network'), { delayMs: 500, jitterMs: 0, loss: 0, burst: 1, bandwidthBps: 512e3 });
});

test('a profile name resolves to its documented figures, and the spec prints back in the form --network takes', () => {
  const lossy = resolveNetwork('lossy-wifi');
  assert.equal(lossy.name, 'lossy-wifi');
  assert.equal(lossy.spec, NETWORK_PROFILES['lossy-wifi']?.spec);
  assert.deepEqual(resolveNetwork(describeSpec(lossy.spec)).spec, lossy.spec);
});

test('every problem in a bad spec is listed with the flag, and the hint shows the form', () => {
  assert.throws(
    () => resolveNetwork('delay=40min,loss=70%,burst=0.5,bandwidth=fast,colour=red,delay=1ms'),
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      for (const part of ['--network', 'delay=40min: expected a duration', 'loss=70%', 'burst=0.5', 'bandwidth=fast', 'unknown key "colour"', 'delay: given twice']) assert.match(err.message, new RegExp(part));
      assert.match(err.hint ?? '', /delay=40ms,jitter=10ms/);
      return true;
    },
  );
});

test('an unknown profile name suggests the closest', () => {
  assert.throws(() => resolveNetwork('lossy-wfi', 'scenario.yaml: network'), /scenario\.yaml: network: unknown network profile "lossy-wfi"; did you mean "lossy-wifi"\?/);
  assert.throws(() => resolveNetwork(''), InputError);
});
