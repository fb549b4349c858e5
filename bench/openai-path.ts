import { resolveNetwork } from '../src/transports/netem/network-profile.js';
import { mkdtemp } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyProviderFlags, defaultProviderConfig } from '../src/config/provider-config.js';
import { DEFAULT_MAX_AHEAD_MS } from '../src/agent/outbound-audio.js';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../src/agent/chunking.js';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS } from '../src/audio/vad.js';
import { systemClock } from '../src/metrics/clock.js';
import { getProfile } from '../src/providers/profiles.js';
import { ResultFiles } from '../src/report/result-files.js';
import type { TurnRecord } from '../src/report/result.js';
import { runBenchmark } from '../src/run/runner.js';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../src/scenarios/corpus.js';
import { DEFAULT_JITTER_BUFFER_MS } from '../src/transports/transport.js';
import { startServe } from '../test/fixtures/serve-process.js';
import { percentile, round } from './accuracy.js';

/**
 * What a bare node:http client measures against the same server for the same requests: time from
 * sending to the first token's bytes (chat, streamed) and to the first audio bytes (speech),
 * median of warm requests. It idles through the served latency just as the provider does; on a
 * small VM a process that slept 300 ms takes 1–2 ms to wake, which no client avoids.
 */
async function bareClientMs(baseUrl: string): Promise<{ ttftMs: number; ttfbMs: number }> {
  const agent = new Agent({ keepAlive: true });
  const firstBytes = (path: string, payload: object, isFirst: (text: string) => boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(payload);
      let startMs = 0;
      const req = request(`${baseUrl}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let firstMs: number | undefined;
        res.on('data', (data: Buffer) => {
          if (firstMs === undefined && isFirst(data.toString('latin1'))) firstMs = performance.now();
        });
        res.on('end', () => (firstMs === undefined ? reject(new Error(`${path}: nothing came`)) : resolve(firstMs - startMs)));
      });
      req.on('socket', (socket) => socket.setNoDelay(true));
      req.on('error', reject);
      startMs = performance.now();
      req.end(body);
    });
  const ttft: number[] = [];
  const ttfb: number[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      ttft.push(await firstBytes('/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'yes' }] }, (text) => text.includes('"content"')));
      ttfb.push(await firstBytes('/audio/speech', { model: 'm', voice: 'alloy', input: 'Great, you are all set.', response_format: 'pcm' }, () => true));
    }
  } finally {
    agent.destroy();
  }
  return { ttftMs: percentile(ttft.slice(2), 50), ttfbMs: percentile(ttfb.slice(2), 50) };
}

/**
 * The OpenAI-compatible path against `voicebench serve --profile constant` in its own process:
 * warm `llm.ttft` and `tts.ttfb` through the real SDK (REST, 12 turns, the cold first dropped),
 * beside a bare node:http client's first-token and first-audio times on the same server. The
 * target: the SDK path within ±2 ms of the bare client at p50.
 */
export async function benchOpenAiPath(): Promise<Record<string, number | string>[]> {
  const serve = await startServe(['--port', '0', '--profile', 'constant']);
  const { baseUrl } = serve;
  try {
    process.env['VOICEBENCH_BENCH_KEY'] = 'local';
    const providers = applyProviderFlags(defaultProviderConfig(), { provider: 'openai', baseUrl, apiKeyEnv: 'VOICEBENCH_BENCH_KEY' });
    const records: TurnRecord[] = [];
    await runBenchmark(
      {
        transports: ['rest'],
        corpus: DEFAULT_CORPUS_DIR,
        profile: 'constant',
        seed: 1,
        turns: 12,
        silenceTimeoutMs: 500,
        chunking: { rest: 'full' },
        firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS,
        maxAheadMs: DEFAULT_MAX_AHEAD_MS,
        codec: 'opus',
        jitterBufferMs: DEFAULT_JITTER_BUFFER_MS,
        vadModel: 'silero legacy',
        scenario: 'quickstart',
        bargeInMinSpeechMs: DEFAULT_BARGE_IN_MIN_SPEECH_MS,
        network: resolveNetwork('none'),
        gates: [],
      },
      (await loadCorpus(DEFAULT_CORPUS_DIR)).map((utterance) => ({ utterance, pauseBeforeMs: 0 })),
      { clock: systemClock, profile: getProfile('constant'), providers, files: new ResultFiles(await mkdtemp(join(tmpdir(), 'voicebench-bench-'))), signal: new AbortController().signal, onTurn: (record) => records.push(record) },
    );
    const bare = await bareClientMs(baseUrl);
    const warm = records.slice(1);
    const row = (measure: string, servedMs: number, values: number[], bareMs: number): Record<string, number | string> => {
      const p50 = percentile(values, 50);
      return { measure, servedMs, sdkP50Ms: round(p50), bareClientP50Ms: round(bareMs), sdkMinusBareMs: round(p50 - bareMs), sdkMinusServedMs: round(p50 - servedMs) };
    };
    return [
      row('llm.ttft', 300, warm.map((record) => record.spans['llm.ttft'] ?? NaN), bare.ttftMs),
      row('tts.ttfb', 100, warm.map((record) => record.spans['tts.ttfb'] ?? NaN), bare.ttfbMs),
    ];
  } finally {
    await serve.close();
  }
}
