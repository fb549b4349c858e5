/**
 * `npm run bench`: the figures voicebench's own accuracy and cost rest on, as tables. Run it on
 * an otherwise idle machine; each table says what it measures.
 */
import { benchAccuracy } from './accuracy.js';
import { benchVad } from './vad.js';
import { benchWsFrames } from './ws-frames.js';

console.log('\n1. Measurement accuracy over loopback, --profile constant (zero-variance providers), 18 turns per transport');
console.log('   target: |error| ≤ 1 ms at p50 and ≤ 3 ms at p99 for stage spans; waterfall other ≤ 2 ms at p50');
for (const transport of ['rest', 'ws'] as const) console.table((await benchAccuracy(transport)).rows);

console.log('\n2. One-way latency of a 20 ms audio frame over a loopback WebSocket, both directions at once, 1000 frames each');
console.table(await benchWsFrames());

console.log('\n3. Silero VAD on the committed corpus: speech-bound error vs the sidecars, and cost per 32 ms window');
console.table(await benchVad());
