import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectJsonSchema, projectSchemaId } from '../../src/shared/project';

const schemaFile = join(__dirname, '../../schema/switchyard.schema.json');
const generated = `${JSON.stringify(projectJsonSchema(), null, 2)}\n`;

describe('schema/switchyard.schema.json', () => {
  it('is the JSON Schema generated from the project file schema (UPDATE_SCHEMA=1 rewrites it)', () => {
    if (process.env.UPDATE_SCHEMA) writeFileSync(schemaFile, generated);
    expect(readFileSync(schemaFile, 'utf8'), 'the committed schema is out of date: run UPDATE_SCHEMA=1 npx vitest run test/unit/project-schema.test.ts').toBe(generated);
  });

  it('describes routes with every setting, backends and the version', () => {
    const schema = JSON.parse(generated) as { $id: string; required: string[]; properties: Record<string, { items?: { properties: Record<string, { properties?: Record<string, unknown> }> } }> };
    expect(schema.$id).toBe(projectSchemaId);
    expect(schema.required).toEqual(['version']);
    const route = schema.properties.routes!.items!.properties;
    expect(Object.keys(route)).toEqual(['host', 'path', 'algorithm', 'settings', 'backends']);
    expect(Object.keys(route.settings!.properties!)).toContain('healthCheck');
  });
});
