/**
 * `npm run bench`: the figures voicebench's own accuracy and cost rest on, as tables. Run it on
 * an otherwise idle machine; each table says what it measures.
 */
import { benchAccuracy } from './accuracy.js';
import { benchVad } from './vad.js';

console.log('\n1. Measurement accuracy: REST over loopback, --profile constant (zero-variance providers)');
console.log('   target: |error| ≤ 1 ms at p50 and ≤ 3 ms at p99 for stage spans; waterfall other ≤ 2 ms at p50');
const accuracy = await benchAccuracy();
console.table(accuracy.rows);

console.log('\n2. Silero VAD on the committed corpus: speech-bound error vs the sidecars, and cost per 32 ms window');
console.table(await benchVad());
