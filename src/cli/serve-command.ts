import { Command, InvalidArgumentError, Option } from 'commander';
import { chunkText, DEFAULT_FIRST_PHRASE_WORDS } from '../agent/chunking.js';
import { DEFAULT_SILENCE_TIMEOUT_MS, loadVadModel } from '../audio/vad.js';
import { DEFAULT_MAX_AHEAD_MS } from '../agent/outbound-audio.js';
import { RunError } from '../errors.js';
import { msBetween } from './options.js';
import { systemClock } from '../metrics/clock.js';
import { getProfile, PROFILE_NAMES } from '../providers/profiles.js';
import { createSimPipeline } from '../providers/sim/sim-pipeline.js';
import { openTurnLogFile, type AgentTurnLog, type TurnLogFile } from '../serve/agent-turn-log.js';
import { startOpenAiApi } from '../serve/openai-api.js';
import { startRealtimeAgent } from '../serve/realtime-agent.js';
import { startTwilioAgent } from '../serve/twilio-agent.js';
import { startRestAgent } from '../transports/rest/rest-agent.js';
import { startWebRtcAgent } from '../transports/webrtc/webrtc-agent.js';
import { startWsAgent } from '../transports/ws/ws-agent.js';

interface ServeOptions {
  host: string;
  port: number;
  profile: string;
  seed: number;
  logTurns?: string;
  maxAhead: number;
  agentPort: number;
}

export const DEFAULT_SERVE_PORT = 8787;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65_535) throw new InvalidArgumentError(`expected a port from 0 to 65535 (0: any free port), got "${value}"`);
  return port;
}

/** Up to a minute ahead: far enough to stand in for a server that sends a whole answer as fast as it is made. */
const parseMaxAheadMs = msBetween(0, 60_000, 1000, '; 0 paces in real time');

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(seed)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return seed;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'run the simulated pipeline as a stand-in vendor: an OpenAI-compatible API (/v1/audio/transcriptions, /v1/chat/completions, /v1/audio/speech) following a latency profile, and the agent on every protocol (rest, voicebench ws, webrtc, Twilio Media Streams, OpenAI Realtime)',
    )
    .option('--host <host>', 'address to bind (loopback unless told otherwise)', '127.0.0.1')
    .option('--port <n>', 'port of the OpenAI-compatible API (0: any free port); the agents take free ports of their own', parsePort, DEFAULT_SERVE_PORT)
    .addOption(new Option('--profile <name>', 'latency profile the answers follow').choices([...PROFILE_NAMES]).default('typical'))
    .option('--agent-port <n>', 'first of five consecutive ports for the agents, in the order rest, voicebench, webrtc, twilio, openai-realtime (0: any free ports), so a deployed serve keeps its URLs', parsePort, 0)
    .option('--seed <n>', 'seed for sampled latencies', parseSeed, 1)
    .option('--log-turns <file>', "write each turn the streaming agents answer (or are interrupted in) to FILE as one JSON line: protocol, call, turn, outcome and the agent's marks (host-monotonic ms); FILE is truncated at start")
    .option('--max-ahead <ms>', 'how far ahead of real time the voicebench ws, twilio and openai-realtime agents send reply audio; 0 paces it in real time, each frame sent when the previous one is due to have played (webrtc always paces in real time)', parseMaxAheadMs, DEFAULT_MAX_AHEAD_MS)
    .addHelpText(
      'after',
      `
Prints the API's base URL on stdout once everything accepts connections, and each agent endpoint
on stderr, one line each as PROTOCOL URL (rest, voicebench, webrtc, twilio, openai-realtime).
Stops cleanly on Ctrl-C / SIGTERM.

Examples:
  voicebench serve                                  # http://127.0.0.1:${DEFAULT_SERVE_PORT}/v1, profile typical
  voicebench serve --port 0 --profile constant      # any free port, fixed latencies
  voicebench serve --log-turns agent-turns.jsonl    # the agent's own marks, one line per turn
  voicebench serve --max-ahead 0                    # reply audio in real time, as a phone network plays it
  voicebench serve --host 0.0.0.0 --agent-port 8790 # a deployed serve: rest :8790 … openai-realtime :8794
  OPENAI_API_KEY=local voicebench run --provider openai --base-url http://127.0.0.1:${DEFAULT_SERVE_PORT}/v1`,
    )
    .action(async (options: ServeOptions) => {
      const profile = getProfile(options.profile);
      const clock = systemClock;
      let logFailed: (err: RunError) => void = () => undefined;
      const logFailure = new Promise<RunError>((resolve) => (logFailed = resolve));
      const turnLog: TurnLogFile | undefined = options.logTurns === undefined ? undefined : await openTurnLogFile(options.logTurns, (err) => logFailed(err));
      const onTurn: AgentTurnLog | undefined = turnLog?.log;
      const pipeline = createSimPipeline(profile, options.seed, clock);
      process.stderr.write(`rendering the sim TTS's replies…\n`);
      for (const policy of ['full', 'sentence', 'phrase'] as const) await pipeline.prepare((reply) => chunkText(reply, { policy, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }));
      const api = await startOpenAiApi({ pipeline, clock, host: options.host, port: options.port }).catch((err: unknown) => {
        throw new RunError(`cannot listen on ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`, { hint: 'pick another --port, or --port 0 for any free one', cause: err });
      });
      const vadModel = await loadVadModel();
      const agentOptions = { pipeline, clock, vadModel, silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS, chunking: { policy: 'sentence' as const, firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS }, host: options.host };
      const streamingOptions = { ...agentOptions, maxAheadMs: options.maxAhead, onTurn };
      const portOf = (offset: number): number => (options.agentPort === 0 ? 0 : options.agentPort + offset);
      const listening = <T>(offset: number, started: Promise<T>): Promise<T> =>
        started.catch((err: unknown) => {
          throw new RunError(`cannot listen on ${options.host}:${portOf(offset)}: ${err instanceof Error ? err.message : String(err)}`, { hint: 'pick another --agent-port (five consecutive ports from it must be free), or 0 for any free ones', cause: err });
        });
      const rest = await listening(0, startRestAgent({ pipeline, clock, host: options.host, port: portOf(0) }));
      const ws = await listening(1, startWsAgent({ ...streamingOptions, port: portOf(1) }));
      const webrtc = await listening(2, startWebRtcAgent({ ...agentOptions, port: portOf(2), chunking: { policy: 'phrase', firstPhraseWords: DEFAULT_FIRST_PHRASE_WORDS } }));
      const twilio = await listening(3, startTwilioAgent({ ...streamingOptions, port: portOf(3) }));
      const realtime = await listening(4, startRealtimeAgent({ ...streamingOptions, port: portOf(4), eventNames: 'ga' }));
      const endpoints = [
        ['rest', rest.url],
        ['voicebench', ws.url],
        ['webrtc', webrtc.url],
        ['twilio', twilio.url],
        ['openai-realtime', realtime.url],
      ];
      process.stderr.write(`profile ${profile.name}, seed ${options.seed}\n${endpoints.map(([protocol, url]) => `${protocol} ${url}\n`).join('')}`);
      process.stdout.write(`${api.baseUrl}\n`);
      const failure = await new Promise<RunError | undefined>((resolve) => {
        process.once('SIGINT', () => resolve(undefined));
        process.once('SIGTERM', () => resolve(undefined));
        void logFailure.then(resolve);
      });
      await Promise.all([api.close(), rest.close(), ws.close(), webrtc.close(), twilio.close(), realtime.close()]);
      await turnLog?.close();
      if (failure) throw failure;
      process.stderr.write('stopped\n');
    });
}
