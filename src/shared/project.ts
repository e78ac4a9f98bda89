import { z } from 'zod';
import { commands } from './commands';
import { certificateDomainsSchema } from './certificates';
import { proxySettingsPatchSchema } from './proxy-settings';

// A project file, switchyard.json: the routes a project needs, kept in its
// repository and applied with `switchyard apply` (as kubectl apply does
// with manifests). Each route is what routes.create takes, so a file and a
// command can never disagree on what a route is; a setting left out means
// the route kind's default, so the file says everything about a route it
// names and applying it twice changes nothing.

/** The project file format's version; a future change of meaning gets a new number. */
export const projectFileVersion = 1;
export const projectFileName = 'switchyard.json';
/**
 * The "$schema" a project file names: the format and its version, as a URN
 * because the project publishes no web address yet; editors map
 * switchyard.json to the committed schema/switchyard.schema.json (README).
 */
export const projectSchemaId = `urn:switchyard:project:v${projectFileVersion}`;

export const projectRouteSchema = commands['routes.create'].input;

export const projectFileSchema = z
  .strictObject({
    $schema: z.string({ error: '$schema is the address of the JSON Schema, as text.' }).optional().meta({ description: 'The JSON Schema editors check this file against.' }),
    version: z.literal(projectFileVersion, { error: `version is ${projectFileVersion}: the only project file format so far.` }).meta({ description: 'The project file format version.' }),
    routes: z
      .array(projectRouteSchema, { error: 'routes is a list of routes.' })
      .default([])
      .meta({ description: 'Routes, each named by its host and path prefix (or tcp://, udp:// listen URL). A setting left out takes its default.' }),
    settings: proxySettingsPatchSchema.optional().meta({ description: "The proxy's listener limits; those left out are not changed." }),
    certificates: certificateDomainsSchema
      .optional()
      .meta({ description: 'Domains of your own the local CA may certify besides localhost, .test, .internal and .home.arpa.' }),
  })
  .meta({ title: 'Switchyard project file', description: 'Routes, backends and settings applied with `switchyard apply`.' });

export type ProjectFile = z.output<typeof projectFileSchema>;
export type ProjectFileInput = z.input<typeof projectFileSchema>;

/** The JSON Schema editors use (VS Code, JetBrains): what a file may contain, before the schema's normalisation. */
export function projectJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(projectFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return { ...schema, $id: projectSchemaId };
}

export const projectChangeKinds = ['route', 'backend', 'settings', 'domain'] as const;

/** One line of a diff: what changes, and how. */
export interface ProjectChange {
  action: 'add' | 'change' | 'remove';
  kind: (typeof projectChangeKinds)[number];
  /** What it is: a route's label, a backend's URL and route, a domain. */
  target: string;
  /** For a change: each field as `name: before → after`. */
  details: string[];
}

export interface ProjectDiff {
  /** What apply does, in the order it does it. */
  changes: ProjectChange[];
  /** Running but not in the file, left alone without prune (kubectl apply --prune). */
  notInFile: ProjectChange[];
}

export interface ProjectApplied extends ProjectDiff {
  /** Whether this call changed anything (false: the running set-up already was the file's). */
  applied: boolean;
}

export interface ProjectExport {
  /** The file's text, as `switchyard export` writes it. */
  text: string;
  fileName: string;
}
