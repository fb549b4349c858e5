import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRest } from './helpers.js';

/**
 * Same seed → same sampled latencies; measured jitter is the only difference between runs.
 * The tolerance (10 ms) is far above loopback jitter and far below what another seed changes.
 */
const JITTER_MS = 10;
test('the same seed reproduces the sampled latencies turn by turn; another seed does not', async () => {
  const first = await runRest('typical', 42, 1);
  const again = await runRest('typical', 42, 1);
  const other = await runRest('typical', 43, 1);
  const ttft = (run: typeof first): number[] => run.turns.map((turn) => turn.spans['llm.ttft'] ?? NaN);
  const stt = (run: typeof first): number[] => run.turns.map((turn) => turn.waterfall?.stt ?? NaN);
  for (const [index, value] of ttft(first).entries()) {
    assert.ok(Math.abs(value - (ttft(again)[index] ?? NaN)) <= JITTER_MS, `turn ${index} llm.ttft ${value} vs ${ttft(again)[index]}`);
    assert.ok(Math.abs((stt(first)[index] ?? NaN) - (stt(again)[index] ?? NaN)) <= JITTER_MS, `turn ${index} stt`);
  }
  const differences = ttft(first).map((value, index) => Math.abs(value - (ttft(other)[index] ?? NaN)));
  assert.ok(Math.max(...differences) > 3 * JITTER_MS, `seed 43 should sample other latencies: ${differences.join(', ')}`);
  assert.deepEqual(first.turns.map((turn) => turn.reply), again.turns.map((turn) => turn.reply));
});
