import { Command, InvalidArgumentError, Option } from 'commander';
import { chunkText, DEFAULT_FIRST_PHRASE_WORDS } from '../agent/chunking.js';
import { DEFAULT_SILENCE_TIMEOUT_MS, loadVadModel } from '../audio/vad.js';
import { RunError } from '../errors.js';
import { systemClock } from '../metrics/clock.js';
import { getProfile, PROFILE_NAMES } from '../providers/profiles.js';
import { createSimPipeline } from '../providers/sim/sim-pipeline.js';
import { startOpenAiApi } from '../serve/openai-api.js';
import { startRestAgent } from '../transports/rest/rest-agent.js';
import { startWebRtcAgent } from '../transports/webrtc/webrtc-agent.js';
import { startWsAgent } from '../transports/ws/ws-agent.js';

interface ServeOptions {
  host: string;
  port: number;
  profile: string;
  seed: number;
}

export const DEFAULT_SERVE_PORT = 8787;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65_535) throw new InvalidArgumentError(`expected a port from 0 to 65535 (0: any free port), got "${value}"`);
  return port;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(seed)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return seed;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the simulated pipeline as a stand-in vendor: an OpenAI-compatible API (/v1/audio/transcriptions, /v1/chat/completions, /v1/audio/speech) following a latency profile, and the agent on the three transports')
    .option('--host <host>', 'address to bind (loopback unless told otherwise)', '127.0.0.1')
    .option('--port <n>', 'port of the OpenAI-compatible API (0: any free port)', parsePort, DEFAULT_SERVE_PORT)
    .addOption(new Option('--profile <name>', 'latency profile the answers follow').choices([...PROFILE_NAMES]).default('typical'))
    .option('--seed <n>', 'seed for sampled latencies', parseSeed, 1)
    .addHelpText(
      'after',
      `
Prints the API's base URL on stdout once it accepts connections (the agents' URLs go to stderr),
and stops cleanly on Ctrl-C / SIGTERM.

Examples:
  voicebench serve                                  # http://127.0.0.1:${DEFAULT_SERVE_PORT}/v1, profile typical
  voicebench serve --port 0 --profile constant      # any free port, fixed latencies
  OPENAI_API_KEY=local voicebench run --provider openai --base-url http://127.0.0.1:${DEFAULT_SERVE_PORT}/v1`,
    )
    .action(async (options: ServeOptions) => {
      const profile = getProfile(options.profile);
      const clock = systemClock;
      const pipeline = createSimPipeline(profile, options.seed, clock);
      process.stderr.write(`rendering the sim TTS's replies…\n`);
      for (const policy of ['full', 'sentence', 'phrase'] as const) await pipeline.prepare((reply) => chunkText(reply, { policy, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }));
      const api = await startOpenAiApi({ pipeline, clock, host: options.host, port: options.port }).catch((err: unknown) => {
        throw new RunError(`cannot listen on ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`, { hint: 'pick another --port, or --port 0 for any free one', cause: err });
      });
      const vadModel = await loadVadModel();
      const agentOptions = { pipeline, clock, vadModel, silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS, chunking: { policy: 'sentence' as const, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, host: options.host };
      const rest = await startRestAgent({ pipeline, clock, host: options.host });
      const ws = await startWsAgent(agentOptions);
      const webrtc = await startWebRtcAgent({ ...agentOptions, chunking: { policy: 'phrase', firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS } });
      process.stderr.write(`profile ${profile.name}, seed ${options.seed}\nagent: rest ${rest.url}  ws ${ws.url}  webrtc ${webrtc.url}\n`);
      process.stdout.write(`${api.baseUrl}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await Promise.all([api.close(), rest.close(), ws.close(), webrtc.close()]);
      process.stderr.write('stopped\n');
    });
}
