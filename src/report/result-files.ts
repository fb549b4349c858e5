import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult, TurnRecord } from './result.js';

/**
 * The one place run output is written (STYLE.md, after hyperfine): `turns.jsonl` gets a line
 * as each turn finishes and `result.json` is rewritten atomically after it, so a crash or
 * Ctrl-C keeps everything already measured.
 */
export class ResultFiles {
  constructor(readonly dir: string) {}

  get resultPath(): string {
    return join(this.dir, 'result.json');
  }

  get turnsPath(): string {
    return join(this.dir, 'turns.jsonl');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.turnsPath, '');
  }

  async appendTurn(record: TurnRecord): Promise<void> {
    await appendFile(this.turnsPath, `${JSON.stringify(record)}\n`);
  }

  async writeResult(result: RunResult): Promise<void> {
    const temporary = `${this.resultPath}.tmp`;
    await writeFile(temporary, `${JSON.stringify(result, null, 2)}\n`);
    await rename(temporary, this.resultPath);
  }
}
