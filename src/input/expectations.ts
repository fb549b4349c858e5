import { z } from 'zod';

/**
 * What each constrained field accepts, in words, for error messages (`expected <expects>, got …`).
 * Register a schema after `describe`: `describe` returns a copy, which the registry would not know.
 */
export const fieldExpectations = z.registry<{ expects: string }>();

export interface NumberBounds {
  integer?: boolean;
  min?: number;
  /** The minimum itself is not allowed (`> min`). */
  minExclusive?: boolean;
  max?: number;
}

/** A number schema and the words for what it accepts, from the same bounds. */
export function numberIn(bounds: NumberBounds): z.ZodNumber {
  let schema = bounds.integer ? z.int() : z.number();
  const words = [bounds.integer ? 'a whole number' : 'a number'];
  if (bounds.min !== undefined) {
    schema = bounds.minExclusive ? schema.gt(bounds.min) : schema.gte(bounds.min);
    words.push(`${bounds.minExclusive ? '>' : '≥'} ${bounds.min}`);
  }
  if (bounds.max !== undefined) {
    schema = schema.lte(bounds.max);
    words.push(`${bounds.min === undefined ? '' : 'and '}≤ ${bounds.max}`);
  }
  return schema.register(fieldExpectations, { expects: words.join(' ') });
}
