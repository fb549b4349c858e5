/**
 * `npm run bench`: the figures voicebench's own accuracy and cost rest on, as tables. Run it on
 * an otherwise idle machine; each table says what it measures.
 */
import { benchAccuracy } from './accuracy.js';
import { benchBargeIn } from './barge-in.js';
import { benchRelayOverhead } from './netem.js';
import { benchReports } from './reports.js';
import { benchOpenAiPath } from './openai-path.js';
import { benchTargets } from './targets.js';
import { benchVad } from './vad.js';
import { benchWebRtc, transportShare } from './webrtc.js';
import { benchWsFrames } from './ws-frames.js';

console.log('\n1. WebRTC on loopback (werift both sides, run first so the first set-up in the process is cold): set-up, one-way latency of RTP and of the data channel (1000 packets, 20 ms apart), codec cost per 20 ms frame');
const webrtc = await benchWebRtc();
console.table(webrtc.transport);
console.table(webrtc.codecs);

console.log('\n2. Measurement accuracy over loopback, --profile constant (zero-variance providers), 18 turns per transport');
console.log('   target: |error| ≤ 1 ms at p50 and ≤ 3 ms at p99 for stage spans; waterfall other ≤ 2 ms at p50');
console.log('   (webrtc: Opus, 40 ms jitter buffer; its other may reach one 20 ms frame of packetization plus the buffer)');
const shares: Record<string, ReturnType<typeof transportShare>> = {};
for (const transport of ['rest', 'ws', 'webrtc'] as const) {
  const { rows, turns } = await benchAccuracy(transport);
  console.table(rows);
  shares[transport] = transportShare(turns);
}
console.log('\n   How much of v2v is transport (means over the same turns): downlink + playout (jitter buffer, codec, the TTS\'s 20 ms leading silence) + other');
console.table(shares);

console.log('\n3. One-way latency of a 20 ms audio frame over a loopback WebSocket, both directions at once, 1000 frames each');
console.table(await benchWsFrames());

console.log('\n4. Silero VAD on the committed corpus: speech-bound error vs the sidecars, and cost per 32 ms window');
console.table(await benchVad());

console.log('\n5. Barge-in over loopback, --profile constant: "Hold on, I have a question." 600–1130 ms into the answer (varied so it meets the VAD window grid at every phase)');
console.log('   target: bargein.detect p95 ≤ 50 ms on ws and webrtc; REST learns of an interruption with the next request');
console.table([await benchBargeIn('ws', 10), await benchBargeIn('webrtc', 10), await benchBargeIn('rest', 3)]);

console.log('\n6. The OpenAI-compatible path: the real SDK against voicebench serve --profile constant in its own process, beside a bare node:http client on the same server (warm, p50)');
console.log('   target: the SDK path within ±2 ms of the bare client; what the bare client adds over the served latency is this host\'s process wake-up and loopback');
console.table(await benchOpenAiPath());

console.log('\n7. The network relays\' own cost at profile none: one-way time of a 640-byte packet every 20 ms, both directions at once, relayed vs direct on loopback (1000 each way)');
console.log('   target: overhead ≤ 0.2 ms at p50 per direction');
console.table(await benchRelayOverhead());

console.log('\n8. Results and reports as a run grows: the wifi fixture\'s real turns (quickstart over rest, ws and webrtc) repeated to N per transport');
console.log('   perTurnSummaryMs and perTurnRewriteMs are what the runner spends after every turn at that size (the transport\'s summary, result.json rewritten); the rest is per command');
console.table(await benchReports());

console.log('\n9. The caller\'s own overhead per target protocol: voicebench serve --profile constant --max-ahead 0 in its own process, dialled over twilio, openai-realtime and voicebench by one run (yes / no-thanks, 12 turns each)');
console.log('   added = caller-side v2v minus the agent\'s own interval (agent.speech_end_received → agent.first_audio_out, from serve --log-turns), each on its own clock');
console.log('   target: added ≤ frame + 3 ms at p50 and ≤ frame + 8 ms at p99, never negative; a frame that arrives to an idle loudspeaker plays at once, so what shows is loopback plus');
console.log('   the codec and resampler delay before the first audible sample (twilio: µ-law 8 kHz → 16 kHz; openai-realtime: 24 kHz → 16 kHz)');
console.table(await benchTargets());
