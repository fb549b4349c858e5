import { z } from 'zod';
import { assertNever } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { fieldExpectations } from './expectations.js';

/** One thing wrong with an input file: where (a key path like `turns[2].bargeIn`, or a line) and what, in plain words. */
export interface Problem {
  where: string;
  message: string;
  /** The key path the problem is about, when it is about one: orders problems as the file reads. */
  path?: readonly PropertyKey[];
}

/** `<file>: <where>: <message>`, or `<file>: <message>` for a problem with the whole file. */
export function formatProblem(file: string, problem: Problem): string {
  return problem.where === '' ? `${file}: ${problem.message}` : `${file}: ${problem.where}: ${problem.message}`;
}

/** Where a key path points: `turns[2].bargeIn.afterBotAudioMs`; the file's top level is `top level`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text === '' ? '' : '.'}${String(key)}`;
  return text === '' ? 'top level' : text;
}

/** A received value as a message shows it: strings quoted, collections by kind. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap();
  return inner;
}

/** The schema that checks the value at `path`, or undefined when the path leaves the schema. */
function schemaAt(root: z.core.$ZodType, path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = unwrap(root);
  for (const key of path) {
    if (schema instanceof z.ZodObject && typeof key === 'string') schema = (schema.shape as Record<string, z.core.$ZodType | undefined>)[key];
    else if (schema instanceof z.ZodArray && typeof key === 'number') schema = schema.element as z.core.$ZodType;
    else return undefined;
    if (schema === undefined) return undefined;
    schema = unwrap(schema);
  }
  return schema;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
};

/** What the field at `path` accepts, in words: from `fieldExpectations` when registered, else from `fallback`. */
function expectsAt(root: z.core.$ZodType, path: readonly PropertyKey[], fallback: string): string {
  const schema = schemaAt(root, path);
  return (schema && fieldExpectations.get(schema)?.expects) ?? fallback;
}

function boundWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const relation = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
  if (issue.origin === 'array') return `a list with ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(limit)} items`;
  if (issue.origin === 'string') return `a string of ${relation} ${String(limit)} characters`;
  return `a value ${relation} ${String(limit)}`;
}

/**
 * Every schema issue in plain words, with the value received. `schema` is the one that was
 * parsed: it supplies what each field accepts and the keys an unknown key might have meant.
 * Zod's own messages are never shown.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.core.$ZodType): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const where = formatPath(issue.path);
    const path = issue.path;
    switch (issue.code) {
      case 'invalid_type': {
        const key = issue.path.at(-1);
        if (issue.input === undefined && typeof key === 'string') {
          problems.push({ where: formatPath(issue.path.slice(0, -1)), message: `missing required key "${key}"`, path });
        } else {
          problems.push({ where, message: `expected ${expectsAt(schema, issue.path, TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`)}, got ${shown(issue.input)}`, path });
        }
        break;
      }
      case 'too_small':
      case 'too_big':
        problems.push({ where, message: `expected ${expectsAt(schema, issue.path, boundWords(issue))}, got ${shown(issue.input)}`, path });
        break;
      case 'invalid_format':
        problems.push({ where, message: `expected ${expectsAt(schema, issue.path, issue.pattern === undefined ? `a ${issue.format}` : `a string matching ${issue.pattern}`)}, got ${shown(issue.input)}`, path });
        break;
      case 'not_multiple_of':
        problems.push({ where, message: `expected a multiple of ${String(issue.divisor)}, got ${shown(issue.input)}`, path });
        break;
      case 'unrecognized_keys': {
        const parent = schemaAt(schema, issue.path);
        const known = parent instanceof z.ZodObject ? Object.keys(parent.shape) : [];
        for (const key of issue.keys) {
          const suggestion = didYouMean(key, known);
          problems.push({ where, message: `unknown key "${key}"${suggestion || (known.length > 0 ? `; known keys: ${known.join(', ')}` : '')}`, path: [...issue.path, key] });
        }
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(String);
        const key = issue.path.at(-1);
        if (issue.input === undefined && typeof key === 'string') {
          problems.push({ where: formatPath(issue.path.slice(0, -1)), message: `missing required key "${key}" (one of ${values.join(', ')})`, path });
          break;
        }
        const suggestion = typeof issue.input === 'string' ? didYouMean(issue.input, values) : '';
        problems.push({ where, message: `expected one of ${values.join(', ')}, got ${shown(issue.input)}${suggestion}`, path });
        break;
      }
      case 'invalid_union':
      case 'invalid_key':
      case 'invalid_element':
        problems.push({ where, message: `expected ${expectsAt(schema, issue.path, 'a different value')}, got ${shown(issue.input)}`, path });
        break;
      case 'custom':
        // refinements write their own plain-words message
        problems.push({ where, message: issue.message, path });
        break;
      default:
        assertNever(issue, 'schema issue');
    }
  }
  return problems;
}
