import { projectFileName, projectFileVersion, projectSchemaId, type ProjectExport, type ProjectFileInput } from '../../../shared/project';
import { defaultProxySettings } from '../../../shared/proxy-settings';
import type { Route } from '../../../shared/model';
import { kindDefaults, type RunningSetup } from './project-plan';

const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);

/** Only what differs from a default: the file stays short enough to read, and a default that improves reaches it. */
function exportedRoute(route: Route): ProjectFileInput['routes'] extends (infer R)[] | undefined ? R : never {
  const defaults = kindDefaults(route.host) as Record<string, unknown>;
  const settings = Object.fromEntries(Object.entries(route.settings).filter(([key, value]) => differs(value, defaults[key])));
  return {
    host: route.host,
    ...(route.path === '/' ? {} : { path: route.path }),
    ...(route.algorithm === 'round-robin' ? {} : { algorithm: route.algorithm }),
    ...(Object.keys(settings).length ? { settings } : {}),
    backends: route.backends.map((backend) => ({
      url: backend.url,
      ...(backend.weight === 1 ? {} : { weight: backend.weight }),
      ...(backend.enabled ? {} : { enabled: false }),
      ...(Object.keys(backend.health).length ? { health: backend.health } : {}),
    })),
  };
}

/** The running set-up as a project file that applies back to exactly it (a test applies every export). */
export function exportProject(running: RunningSetup): ProjectExport {
  const settings = Object.fromEntries(
    Object.entries(running.settings).filter(([key, value]) => differs(value, defaultProxySettings[key as keyof typeof defaultProxySettings])),
  );
  const file: ProjectFileInput = {
    $schema: projectSchemaId,
    version: projectFileVersion,
    routes: running.routes.map(exportedRoute),
    ...(Object.keys(settings).length ? { settings } : {}),
    ...(running.domains.length ? { certificates: { domains: [...running.domains] } } : {}),
  };
  return { text: `${JSON.stringify(file, null, 2)}\n`, fileName: projectFileName };
}
