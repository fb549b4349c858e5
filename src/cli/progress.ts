import type { TurnRecord } from '../report/result.js';

/** One rewritten status line on a terminal; nothing when piped or quiet. */
export class Progress {
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  turn(record: TurnRecord, done: number, total: number): void {
    if (!this.enabled) return;
    const outcome = record.error ? `error (${record.error.stage})` : `v2v ${record.spans.v2v?.toFixed(0) ?? '-'} ms`;
    this.stream.write(`\r\u001b[K${record.transport} turn ${done}/${total} · ${record.utterance} · ${outcome}`);
  }

  note(text: string): void {
    if (this.enabled) this.stream.write(`\r\u001b[K${text}`);
  }

  clear(): void {
    if (this.enabled) this.stream.write('\r\u001b[K');
  }
}
