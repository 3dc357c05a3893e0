import type { z } from 'zod';
import { fromZodIssues } from './errors.ts';

/** Parses a service's input with its schema; a failure is a ValidationError naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw fromZodIssues(r.error.issues);
  return r.data;
}
