import type { LoadedScenario } from '../scenarios/scenario-loader.js';

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** How much a scenario plays: `4 turns, 4 barge-ins`, or `12 turns (4 × 3), 3 barge-ins (1 × 3)` with `repeat: 3`. */
export function describeScenarioSize(scenario: LoadedScenario): string {
  const repeat = scenario.settings.repeat;
  const turns = scenario.turns.length;
  const bargeIns = scenario.turns.filter((turn) => turn.bargeIn !== undefined).length;
  if (repeat === 1) return `${count(turns, 'turn')}, ${count(bargeIns, 'barge-in')}`;
  return `${count(turns * repeat, 'turn')} (${turns} × ${repeat}), ${count(bargeIns * repeat, 'barge-in')}${bargeIns === 0 ? '' : ` (${bargeIns} × ${repeat})`}`;
}
