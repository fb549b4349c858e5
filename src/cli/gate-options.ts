import { InputError } from '../errors.js';
import { GATE_COUNTERS, GateSyntaxError, parseGate, type Gate, type GateScopes } from '../metrics/gates.js';
import { SPAN_NAMES } from '../metrics/spans.js';
import { destination, type ReporterRequest } from '../report/reporters.js';

/** Commander: `--gate` may be given several times. */
export function collectGate(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The run's gates, parsed and checked before the run starts: the flags' when given, else the
 * scenario's. Every bad expression is listed (exit 2), with the spans and aggregations valid here.
 */
export function resolveGates(fromFlags: readonly string[] | undefined, fromScenario: { gates: readonly string[] | undefined; source: string }, scopes: GateScopes): Gate[] {
  const useFlags = fromFlags !== undefined && fromFlags.length > 0;
  const sources = useFlags ? fromFlags : (fromScenario.gates ?? []);
  const problems: string[] = [];
  const gates: Gate[] = [];
  sources.forEach((source, index) => {
    const where = useFlags ? `--gate ${JSON.stringify(source)}` : `${fromScenario.source}: gates[${index}] ${JSON.stringify(source)}`;
    try {
      gates.push(parseGate(source, scopes));
    } catch (err) {
      if (!(err instanceof GateSyntaxError)) throw err;
      const columns = [...scopes.transports, ...scopes.targets];
      problems.push(`${where}: ${err.message}${/unknown (transport|target)/.test(err.message) ? ` (this run measures ${columns.join(', ')})` : ''}`);
    }
  });
  if (problems.length > 0) {
    throw new InputError(problems.join('\n'), {
      hint: `a gate is AGGREGATION(SPAN)[{transport=NAME} or {target=NAME}] OP THRESHOLD, e.g. "p95(v2v) < 800ms", "rate(errors) < 1%"; spans: ${SPAN_NAMES.join(', ')}; rate counters: ${Object.keys(GATE_COUNTERS).join(', ')}; see docs/gates.md`,
    });
  }
  return gates;
}

/** JSON on stdout must be alone there, or it cannot be piped. */
export function checkStdout(requests: readonly ReporterRequest[]): void {
  const onStdout = requests.filter((request) => destination(request) === 'stdout').map((request) => request.name);
  if (onStdout.includes('json') && onStdout.length > 1) {
    throw new InputError(`--reporter: json and ${onStdout.filter((name) => name !== 'json').join(', ')} would both write to stdout, and the JSON could not be parsed`, { hint: 'send one to a file, e.g. --reporter json,table:report.txt, or rely on the result.json always written to --out' });
  }
}
