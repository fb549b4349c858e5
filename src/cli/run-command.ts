import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_BARGE_IN_MIN_SPEECH_MS, DEFAULT_SILENCE_TIMEOUT_MS, DEFAULT_VAD_MODEL } from '../audio/vad.js';
import { systemClock } from '../metrics/clock.js';
import { getProfile, PROFILE_NAMES } from '../providers/profiles.js';
import { ResultFiles } from '../report/result-files.js';
import type { RunConfig, TransportName } from '../report/result.js';
import { destination, parseReporters, REPORTER_NAMES, type ReporterRequest } from '../report/reporters.js';
import { writeReports } from '../report/result-files.js';
import { evaluateGates, gatesHeld } from '../metrics/gates.js';
import { gateFailure } from '../report/format.js';
import { checkStdout, collectGate, resolveGates } from './gate-options.js';
import { runBenchmark } from '../run/runner.js';
import { loadScenario } from '../scenarios/scenario-loader.js';
import { DEFAULT_CHUNKING, DEFAULT_JITTER_BUFFER_MS, isStreamingTransport } from '../transports/transport.js';
import { CODEC_NAMES, type CodecName } from '../audio/codecs.js';
import { DEFAULT_FIRST_PHRASE_WORDS } from '../agent/chunking.js';
import { DEFAULT_MAX_AHEAD_MS } from '../agent/outbound-audio.js';
import { GATE_FAILED_EXIT_CODE, InputError, RUN_FAILED_EXIT_CODE } from '../errors.js';
import { redactSecrets } from '../config/redact.js';
import { measuredColumns } from '../report/columns.js';
import { unmeasuredLines } from '../report/table.js';
import { applyProviderFlags, checkKeys, defaultProviderConfig, describeProviders, findProviderConfig, loadProviderConfig, type ProviderConfig } from '../config/provider-config.js';
import { CHUNKING_POLICIES, type ChunkingPolicy } from '../agent/chunking.js';
import { msBetween, parseMs, parseMsOrZero, parsePositiveInt, parseSeed, parseTransports } from './options.js';
import { Progress } from './progress.js';
import { collectTarget, describeTarget, resolveTargets, type TargetFlag, type TargetSpec } from '../config/target-config.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, MAX_TARGET_TIMEOUT_MS } from '../config/target-schema.js';
import { TARGET_PROTOCOLS } from '../names.js';
import type { PlannedTurn } from '../caller/turn-plan.js';
import { NETWORK_PROFILE_NAMES, resolveNetwork } from '../transports/netem/network-profile.js';

interface RunOptions {
  scenario: string;
  transport: TransportName[];
  chunking?: ChunkingPolicy;
  phraseWords: number;
  codec: CodecName;
  jitterBuffer: number;
  corpus?: string;
  profile: string;
  turns?: number;
  seed: number;
  network: string;
  out?: string;
  quiet?: boolean;
  silenceTimeout: number;
  bargeInMinSpeech: number;
  provider: 'sim' | 'openai';
  baseUrl?: string;
  apiKeyEnv: string;
  tts?: 'flite';
  config?: string;
  gate?: string[];
  reporter: ReporterRequest[];
  target?: TargetFlag[];
  answerTimeout?: number;
}

/** Who runs each stage: the config file (--config, else ./voicebench.config.*), then the flags given on the command line. */
async function providerConfig(options: RunOptions, command: Command, file: string | undefined): Promise<ProviderConfig> {
  const base = file ? await loadProviderConfig(file) : defaultProviderConfig();
  const given = (flag: string): boolean => command.getOptionValueSource(flag) === 'cli';
  const config = applyProviderFlags(base, {
    ...(given('provider') ? { provider: options.provider } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(given('apiKeyEnv') ? { apiKeyEnv: options.apiKeyEnv } : {}),
    ...(options.tts ? { tts: options.tts } : {}),
  });
  checkKeys(config, process.env);
  return config;
}

/** The policy each transport's agent runs: the flag for streaming transports, `full` for REST. */
function chunkingPerTransport(transports: readonly TransportName[], requested: ChunkingPolicy | undefined): RunConfig['chunking'] {
  if (requested !== undefined && transports.length === 0) {
    throw new InputError(`--chunking ${requested} sets the policy of voicebench's own agent, and this run measures only targets, whose policy is their own`, { hint: 'add a transport, e.g. --transport ws, to compare against voicebench\'s agent' });
  }
  if (requested !== undefined && requested !== 'full' && !transports.some(isStreamingTransport)) {
    throw new InputError(`--chunking ${requested} has no effect on REST: the REST agent returns the whole reply as one file, so it always synthesizes the full answer`, {
      hint: 'add a streaming transport, e.g. --transport rest,ws',
    });
  }
  return Object.fromEntries(transports.map((name) => [name, isStreamingTransport(name) ? (requested ?? DEFAULT_CHUNKING[name]) : 'full']));
}

/** What a target cannot play: a barge-in timed by the bot's words needs the agent to say when it speaks them. */
function checkScenarioForTargets(turns: readonly PlannedTurn[], targets: readonly TargetSpec[], source: string): void {
  const blind = targets.filter((target) => target.protocol !== 'voicebench');
  const byWords = turns.findIndex((turn) => turn.bargeIn?.afterBotWords !== undefined);
  if (blind.length === 0 || byWords < 0) return;
  throw new InputError(`${source}: turns[${byWords}].bargeIn.afterBotWords: ${blind.map((target) => `${target.name} (${target.protocol})`).join(', ')} cannot say when its bot speaks each word, so a barge-in after the Nth word cannot be timed against it`, {
    hint: 'time the barge-in by the audio the caller heard instead: afterBotAudioMs (docs/scenarios.md)',
  });
}

function defaultOutDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return resolve('reports', stamp);
}

/** The same range as a target's answerTimeoutMs in the config file. */
const parseAnswerTimeoutMs = msBetween(100, MAX_TARGET_TIMEOUT_MS, 8000);

export function runCommand(): Command {
  return new Command('run')
    .description('replay a scenario (by default every corpus utterance once) through the transports against the STT → LLM → TTS pipeline and report per-stage latency')
    .option('--scenario <name|file>', 'built-in scenario (see `voicebench scenarios`) or a YAML/JSON scenario file; flags given here override its settings', 'quickstart')
    .addOption(new Option('--transport <list>', 'comma-separated transports to measure: rest, ws, webrtc').argParser(parseTransports).default(['rest'], 'rest'))
    .addOption(
      new Option('--chunking <policy>', 'when the streaming agent hands the answer to TTS: full (whole answer), sentence, phrase (first words, then phrases); default per transport: ws sentence, webrtc phrase. REST is always full')
        .choices([...CHUNKING_POLICIES]),
    )
    .option('--phrase-words <n>', 'phrase chunking: words in the first chunk', parsePositiveInt, DEFAULT_FIRST_PHRASE_WORDS)
    .addOption(new Option('--codec <name>', 'webrtc: RTP audio codec, opus (48 kHz) or pcmu (G.711 µ-law, 8 kHz)').choices([...CODEC_NAMES]).default('opus'))
    .option('--jitter-buffer <ms>', 'webrtc: the caller holds the first bot audio this long before playing (counted in v2v)', parseMsOrZero, DEFAULT_JITTER_BUFFER_MS)
    .option('--corpus <dir>', 'directory of caller WAVs (+ optional sidecar JSON); default: the committed corpus')
    .addOption(new Option('--profile <name>', 'simulated provider latency profile').choices([...PROFILE_NAMES]).default('typical'))
    .option('--turns <n>', 'turns per transport (utterances repeat in order); default: one per corpus file', parsePositiveInt)
    .option('--seed <n>', 'seed for sampled latencies and network impairment: same seed, same sampled latencies and the same packets lost', parseSeed, 1)
    .option('--network <profile|spec>', `the network between caller and agent: ${NETWORK_PROFILE_NAMES.join(', ')} (see docs/network.md), or a spec like "delay=40ms,jitter=10ms,loss=2%,burst=3,bandwidth=2mbit"`, 'none')
    .option('--silence-timeout <ms>', 'silence after speech that ends the utterance (all transports)', parseMs, DEFAULT_SILENCE_TIMEOUT_MS)
    .option('--barge-in-min-speech <ms>', 'caller speech over the bot must last this long to interrupt it; shorter speech only pauses the bot (a backchannel)', parseMs, DEFAULT_BARGE_IN_MIN_SPEECH_MS)
    .addOption(new Option('--provider <kind>', 'who runs STT, LLM and TTS: sim (simulated, following --profile) or openai (any OpenAI-compatible server)').choices(['sim', 'openai']).default('sim'))
    .option('--base-url <url>', 'openai: the server, e.g. http://127.0.0.1:8787/v1 (voicebench serve); default https://api.openai.com/v1')
    .option('--api-key-env <name>', 'openai: the environment variable holding the API key (keys are never taken from flags or files)', 'OPENAI_API_KEY')
    .addOption(new Option('--tts <engine>', 'run the TTS stage with flite, a real offline engine in process (no key, no network)').choices(['flite']))
    .option('--config <file>', 'provider config (YAML/JSON: per-stage provider, server, model, key variable, timeout, retries); default ./voicebench.config.yaml|yml|json when present')
    .option('--gate <expression>', 'fail the run (exit 99) unless this holds, e.g. "p95(v2v) < 800ms", "rate(errors) < 1%", "p95(v2v){transport=webrtc} < 500ms"; repeat for several; replaces the scenario\'s gates (docs/gates.md)', collectGate)
    .addOption(new Option('--reporter <list>', `reports to write: ${REPORTER_NAMES.join(', ')}; NAME:FILE writes one to a file, NAME:- to stdout (see README "Reports")`).argParser(parseReporters).default([{ name: 'table' }], 'table'))
    .option('--out <dir>', 'where result.json, turns.jsonl and file reports (report.html, report.md, junit.xml) go; default: reports/<timestamp>/')
    .option('--target <NAME=PROTOCOL+URL>', `dial an agent voicebench did not start, as its caller: PROTOCOL is ${TARGET_PROTOCOLS.join(', ')}, e.g. bot=twilio+ws://127.0.0.1:8765/media; a bare NAME picks a target of voicebench.config.yaml; repeat for several. Each target is a column beside the transports (docs/targets.md)`, collectTarget)
    .option('--answer-timeout <ms>', `targets: a turn with no audible answer this long after the caller's speech end fails as no_answer, 100 to ${MAX_TARGET_TIMEOUT_MS} (default ${DEFAULT_ANSWER_TIMEOUT_MS}, as answerTimeoutMs in the config)`, parseAnswerTimeoutMs)
    .option('--quiet', 'no progress, only the report')
    .addHelpText(
      'after',
      `
Examples:
  voicebench run                                   # the committed corpus over REST, profile typical (scenario quickstart)
  voicebench run --scenario barge-in --transport rest,ws,webrtc   # scripted interruptions on every transport
  voicebench run --scenario ./my-scenario.yaml     # your own conversation (see docs/scenarios.md)
  voicebench run --profile seed-article --turns 20 # the article's 1400 ms sequential pipeline
  voicebench run --corpus ./my-wavs --out out/     # your own utterances; results in out/
  voicebench run --transport rest,ws --profile seed-article   # sequential REST vs WebSocket streaming
  voicebench run --transport ws --chunking full    # streaming transport, answer synthesized whole
  voicebench run --transport rest,ws,webrtc --profile seed-article   # the three architectures
  voicebench run --transport webrtc --codec pcmu --jitter-buffer 60  # G.711 with a deeper jitter buffer
  voicebench run --transport rest,ws,webrtc --network lossy-wifi --seed 1   # the three over a lossy network
  voicebench run --transport ws --network "delay=40ms,loss=2%,burst=3"      # a network of your own
  voicebench run --transport ws,webrtc --gate "p95(v2v) < 1500ms" --gate "rate(errors) < 1%" --reporter table,html,junit --out out/
                                                   # CI: gates, an HTML report and JUnit XML in out/
  voicebench run --target bot=twilio+ws://127.0.0.1:8765/media   # your agent, as Twilio would call it
  OPENAI_API_KEY=… voicebench run --target rt=openai-realtime+wss://api.openai.com/v1/realtime?model=gpt-realtime
  voicebench run --transport ws --target prod=voicebench+ws://10.0.0.5:8788/v1/stream   # own agent here vs a deployed one

Exit codes: 0 ran and every gate held, 2 bad usage or input, 3 run could not complete (partial results kept), 99 a gate failed (every report is written first), 1 a bug.`,
    )
    .action(async (options: RunOptions, command: Command) => {
      const fromCli = (flag: keyof RunOptions): boolean => command.getOptionValueSource(flag) === 'cli';
      const scenario = await loadScenario(options.scenario, options.corpus ? { corpusDir: resolve(options.corpus) } : {});
      const settings = scenario.settings;
      const configFile = options.config ?? (await findProviderConfig(process.cwd()));
      const providers = await providerConfig(options, command, configFile);
      const targets = resolveTargets(options.target, providers.targets, process.env, {
        ...(configFile === undefined ? {} : { configFile }),
        ...(options.answerTimeout === undefined ? {} : { answerTimeoutMs: options.answerTimeout }),
      });
      // with targets, voicebench's own agent runs only when asked for: the run is about the user's agent
      const transports = fromCli('transport') ? options.transport : targets.length > 0 ? [] : (settings.transports ?? options.transport);
      checkScenarioForTargets(scenario.turns, targets, scenario.source);
      const profile = getProfile(fromCli('profile') ? options.profile : (settings.profile ?? options.profile));
      const chunking = chunkingPerTransport(transports, fromCli('chunking') ? options.chunking : (settings.chunking ?? options.chunking));
      for (const flag of ['codec', 'jitterBuffer'] as const) {
        if (fromCli(flag) && !transports.includes('webrtc')) {
          const name = flag === 'codec' ? '--codec' : '--jitter-buffer';
          throw new InputError(`${name} applies to the webrtc transport only, and it is not among --transport ${transports.join(',')}`, { hint: `add it: --transport ${[...transports, 'webrtc'].join(',')}` });
        }
      }
      const network = fromCli('network') ? resolveNetwork(options.network) : resolveNetwork(settings.network ?? options.network, settings.network ? `${scenario.source}: network` : '--network');
      const gates = resolveGates(options.gate, { gates: settings.gates, source: scenario.source }, { transports, targets: targets.map((target) => target.name) });
      checkStdout(options.reporter);
      const pick = <K extends 'seed' | 'silenceTimeout' | 'phraseWords' | 'bargeInMinSpeech'>(flag: K, setting: number | undefined): number => (fromCli(flag) ? options[flag] : (setting ?? options[flag]));
      const config: RunConfig = {
        transports,
        targets: targets.map(describeTarget),
        corpus: options.corpus ?? settings.corpusDir ?? 'fixtures/audio (built in)',
        profile: profile.name,
        seed: pick('seed', settings.seed),
        turns: options.turns ?? scenario.turns.length * settings.repeat,
        silenceTimeoutMs: pick('silenceTimeout', settings.silenceTimeoutMs),
        chunking,
        firstPhraseWords: pick('phraseWords', settings.phraseWords),
        maxAheadMs: DEFAULT_MAX_AHEAD_MS,
        codec: options.codec,
        jitterBufferMs: options.jitterBuffer,
        vadModel: `silero ${DEFAULT_VAD_MODEL}`,
        scenario: scenario.source,
        bargeInMinSpeechMs: pick('bargeInMinSpeech', settings.bargeInMinSpeechMs),
        providers: describeProviders(providers, profile.name),
        network: { name: network.name, spec: network.spec },
        gates: gates.map((gate) => gate.source),
      };
      const files = new ResultFiles(options.out ? resolve(options.out) : defaultOutDir());
      const progress = new Progress(process.stderr, !options.quiet && process.stderr.isTTY === true);
      const abort = new AbortController();
      const onSignal = (): void => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        progress.note(`preparing ${[...config.transports, ...targets.map((target) => target.name)].join(', ')} with profile ${profile.name}, network ${network.name}…`);
        const result = await runBenchmark(config, scenario.turns, {
          clock: systemClock,
          profile,
          providers,
          targets,
          files,
          signal: abort.signal,
          onTurn: (record, done, total) => progress.turn(record, done, total),
        });
        progress.clear();
        result.gates = evaluateGates(gates, result.transports);
        await files.writeResult(result);
        const written = await writeReports(result, options.reporter, files.dir, { stdout: process.stdout, stderr: process.stderr, env: process.env, color: process.stdout.isTTY === true });
        const footer = options.reporter.some((request) => request.name === 'json' && destination(request) === 'stdout') ? process.stderr : process.stdout;
        footer.write(`\nresults: ${[files.resultPath, files.turnsPath, ...written].join('\n         ')}\n`);
        for (const outcome of result.gates.filter((gate) => !gate.held)) process.stderr.write(`voicebench: ${gateFailure(outcome)}\n`);
        if (!gatesHeld(result.gates)) process.exitCode = GATE_FAILED_EXIT_CODE;
        // a column that measured nothing is a run that did not do its job, whatever errorRate.minTurns says
        const unmeasured = measuredColumns(result).filter(([, transport]) => transport.unmeasured);
        for (const [name, transport] of unmeasured) process.stderr.write(redactSecrets(`voicebench: ${unmeasuredLines(name, transport).join('\n')}\n`, process.env));
        if (unmeasured.length > 0) process.exitCode = RUN_FAILED_EXIT_CODE;
      } catch (err) {
        progress.clear();
        if (abort.signal.aborted) {
          process.stderr.write(`interrupted: what was measured is in ${files.dir}\n`);
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
