import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection between turns, while nothing is being measured, so garbage one turn
 * made (audio buffers, tensors) cannot pause the next turn's sleeps and sockets mid-measurement:
 * a mark-compact pause of 2-5 ms was seen landing inside measured stages without it. This is
 * the harness tidying up between samples, as benchmark harnesses do; it changes no latency the
 * agent under test would have.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

export function collectGarbage(): void {
  gc?.();
}
