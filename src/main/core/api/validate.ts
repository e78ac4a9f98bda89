import type { z } from 'zod';
import { SwitchyardError } from '../../../shared/errors';

type Issue = z.core.$ZodIssue;

/** What zod's own messages ("Invalid input: expected boolean, received number") should have said. */
const expectedWords: Record<string, string> = {
  boolean: 'on or off (true or false)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  object: 'an object of named fields',
  array: 'a list',
};

interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; in?: SchemaNode; shape?: Record<string, SchemaNode>; element?: SchemaNode } };
}

/** The field names an object in the schema accepts at `path`, to list next to an unknown one. */
function knownFields(schema: SchemaNode, path: readonly PropertyKey[]): string[] | undefined {
  let node: SchemaNode | undefined = schema;
  const unwrap = () => {
    while (node) {
      const def: SchemaNode['_zod']['def'] = node._zod.def;
      const inner: SchemaNode | undefined = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
      if (!inner) return;
      node = inner;
    }
  };
  for (const key of path) {
    unwrap();
    const def: SchemaNode['_zod']['def'] | undefined = node?._zod.def;
    node = def?.shape ? def.shape[String(key)] : def?.element;
  }
  unwrap();
  const shape = node?._zod.def.shape;
  return shape ? Object.keys(shape) : undefined;
}

function sentence(schema: SchemaNode, issue: Issue, field: string, given: unknown): string {
  const name = field || 'The input';
  if (issue.code === 'unrecognized_keys') {
    const known = knownFields(schema, issue.path);
    const unknown = issue.keys.map((key) => (key === '' ? '""' : key)).join(', ');
    return `Unknown field${issue.keys.length > 1 ? 's' : ''}${field ? ` in ${field}` : ''}: ${unknown}.${known ? ` Valid fields: ${known.join(', ')}.` : ''}`;
  }
  if (issue.code === 'invalid_type') {
    if (given === undefined) return `${name} is required.`;
    if (issue.message.startsWith('Invalid input')) return `${name} must be ${expectedWords[issue.expected] ?? issue.expected}.`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option')) {
    return `${name} must be one of: ${issue.values.map(String).join(', ')}.`;
  }
  return issue.message;
}

/** Parses command input at the core's boundary; the first issue names its field, in a sentence. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  const given = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], input);
  throw new SwitchyardError('VALIDATION_FAILED', sentence(schema, issue, field, given), field || undefined);
}
