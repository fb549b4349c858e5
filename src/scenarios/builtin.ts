import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { didYouMean } from '../input/did-you-mean.js';
import { scenarioTarget, type ScenarioTarget } from './scenario-check.js';
import { readScenarioFile } from './scenario-file.js';
import { formatProblem } from '../input/issues.js';
import { displayPath } from './utterance-resolver.js';

/** The committed scenarios (fixtures/scenarios), two levels above this file in both src/ and dist/. */
export const BUILTIN_SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'scenarios');

/** A word that could be a built-in's name: no "/", no extension. */
const NAME = /^[a-z0-9-]+$/;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function builtinNames(): Promise<string[]> {
  return (await readdir(BUILTIN_SCENARIO_DIR)).filter((entry) => entry.endsWith('.yaml')).map((entry) => entry.slice(0, -'.yaml'.length)).sort();
}

/** The built-in scenario file called `name`, if there is one. */
export async function builtinScenarioFile(name: string): Promise<string | undefined> {
  if (!NAME.test(name)) return undefined;
  const file = join(BUILTIN_SCENARIO_DIR, `${name}.yaml`);
  return (await isFile(file)) ? file : undefined;
}

/**
 * What a `--scenario` or `validate` argument names: a built-in when it is a built-in's name
 * (write `./NAME` for a file of that name), else a file path. A bare word that is neither is
 * an error that lists the built-ins.
 */
export async function resolveScenarioRef(ref: string): Promise<ScenarioTarget> {
  const builtin = await builtinScenarioFile(ref);
  if (builtin !== undefined) return { file: builtin, shown: displayPath(builtin), source: `built-in ${ref}` };
  if (NAME.test(ref) && !(await isFile(ref))) {
    const names = await builtinNames();
    throw new InputError(`no built-in scenario or file "${ref}"${didYouMean(ref, names)}`, {
      hint: `the built-in scenarios are ${names.join(', ')} (voicebench scenarios describes them); or give the path of a .yaml or .json scenario file`,
    });
  }
  return scenarioTarget(ref);
}

/** The built-ins in name order. Throws (a bug) if one is not a valid scenario file. */
export async function listBuiltinScenarios(): Promise<{ name: string; description: string; file: string }[]> {
  const list: { name: string; description: string; file: string }[] = [];
  for (const name of await builtinNames()) {
    const file = join(BUILTIN_SCENARIO_DIR, `${name}.yaml`);
    const read = await readScenarioFile(file);
    if (read.scenario === undefined) throw new Error(`built-in scenario ${file} is invalid:\n${read.problems.map((problem) => formatProblem(file, problem)).join('\n')}`);
    list.push({ name: read.scenario.name, description: read.scenario.description, file });
  }
  return list;
}
