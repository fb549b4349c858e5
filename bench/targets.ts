import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAME_MS } from '../src/audio/pcm.js';
import type { TargetProtocol } from '../src/names.js';
import type { TurnRecord } from '../src/report/result.js';
import type { AgentTurnEntry } from '../src/serve/agent-turn-log.js';
import { DEFAULT_CORPUS_DIR } from '../src/scenarios/corpus.js';
import { callerOverheadMs, runVoicebench, startServe } from '../test/fixtures/serve-process.js';
import { percentile, round } from './accuracy.js';

const TARGETS: Record<string, TargetProtocol> = { tw: 'twilio', rt: 'openai-realtime', vb: 'voicebench' };
/** Short utterances with short answers: the figure is per turn, not per second of audio. */
const UTTERANCES = ['yes', 'no-thanks'];

/**
 * The caller's own overhead per protocol: `voicebench serve --max-ahead 0` in its own process,
 * dialled as three targets by one `voicebench run`; per turn the caller-side v2v minus the agent's
 * own interval from its `--log-turns` marks. What remains is the wire (loopback) and where the
 * first audible sample lands after the caller's decoding and resampling (a frame that arrives to an
 * idle loudspeaker plays at once); the target is ≤ frame + 3 ms at p50 and ≤ frame + 8 ms at p99.
 */
export async function benchTargets(turns = 12): Promise<Record<string, number | string>[]> {
  const dir = await mkdtemp(join(tmpdir(), 'voicebench-bench-targets-'));
  const corpus = join(dir, 'corpus');
  await mkdir(corpus);
  for (const id of UTTERANCES) for (const ext of ['.wav', '.json']) await copyFile(join(DEFAULT_CORPUS_DIR, id + ext), join(corpus, id + ext));
  const turnLog = join(dir, 'agent-turns.jsonl');
  const serve = await startServe(['--port', '0', '--profile', 'constant', '--max-ahead', '0', '--log-turns', turnLog]);
  try {
    const config = join(dir, 'voicebench.config.yaml');
    await writeFile(config, `targets:\n${Object.entries(TARGETS).map(([name, protocol]) => `  ${name}: { protocol: ${protocol}, url: "${serve.endpoints.get(protocol)}", hints: true }\n`).join('')}`);
    const out = join(dir, 'run');
    const run = await runVoicebench(['run', '--config', config, ...Object.keys(TARGETS).flatMap((name) => ['--target', name]), '--corpus', corpus, '--turns', String(turns), '--profile', 'constant', '--out', out, '--quiet', '--reporter', 'table'], {
      OPENAI_API_KEY: 'sk-local-stand-in',
    });
    if (run.status !== 0) throw new Error(`voicebench run exited ${run.status}: ${run.stderr}`);
    const records = (await readFile(join(out, 'turns.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as TurnRecord);
    const agentTurns = (await readFile(turnLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AgentTurnEntry);
    return Object.entries(TARGETS).map(([name, protocol]) => {
      const added = callerOverheadMs(records, agentTurns, name, protocol);
      return {
        protocol,
        turns: added.length,
        frameMs: FRAME_MS,
        addedP50Ms: round(percentile(added, 50)),
        addedP99Ms: round(percentile(added, 99)),
        addedMinMs: round(Math.min(...added)),
        beyondFrameP50Ms: round(percentile(added, 50) - FRAME_MS),
        beyondFrameP99Ms: round(percentile(added, 99) - FRAME_MS),
      };
    });
  } finally {
    await serve.close();
  }
}
