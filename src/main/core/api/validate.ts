import type { z } from 'zod';
import { SwitchyardError } from '../../../shared/errors';

/** Parses command input at the core's boundary; the first issue names its field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  const given = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], input);
  const message =
    issue.code === 'unrecognized_keys'
      ? `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`
      : issue.code === 'invalid_type' && given === undefined
        ? `${field || 'input'} is required.`
        : issue.message;
  throw new SwitchyardError('VALIDATION_FAILED', message, field || undefined);
}
