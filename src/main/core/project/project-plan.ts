import type { CommandInput, CommandName, CommandResult } from '../../../shared/commands';
import { routeSettingsSchema, type Backend, type BackendHealth, type Route, type RouteSettings } from '../../../shared/model';
import type { ProjectChange, ProjectDiff, ProjectFile } from '../../../shared/project';
import { defaultProxySettings, type ProxySettings } from '../../../shared/proxy-settings';
import { kindSettingDefaults, routeKindOf } from '../../../shared/route-kind';
import { routeLabel } from '../../../shared/route-label';

/** Runs one command of the table, validated as if a client sent it. */
export type RunCommand = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;

export interface RunningSetup {
  routes: readonly Route[];
  settings: ProxySettings;
  domains: readonly string[];
}

export interface ProjectPlan extends ProjectDiff {
  /** The commands that make the running set-up the file's, in order; empty when nothing changes. */
  steps: ((run: RunCommand) => Promise<unknown>)[];
}

type FileRoute = ProjectFile['routes'][number];
type FileBackend = FileRoute['backends'][number];

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A route kind's settings when the file leaves them out: what routes.create would store. */
export const kindDefaults = (host: string): RouteSettings => routeSettingsSchema.parse(kindSettingDefaults[routeKindOf(host)]);

/** The settings the file asks for: each one it gives, the kind's default for the rest. */
const wantedSettings = (route: FileRoute): RouteSettings => ({ ...kindDefaults(route.host), ...route.settings });

/** Overrides a backend keeps once null (remove) is read as absent. */
const wantedHealth = (health: BackendHealth): Record<string, unknown> =>
  Object.fromEntries(Object.entries(health).filter(([, value]) => value !== null && value !== undefined));

function settingsPatch(current: RouteSettings, wanted: RouteSettings): { patch: Partial<RouteSettings>; details: string[] } {
  const patch: Record<string, unknown> = {};
  const details: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const before = (current as Record<string, unknown>)[key];
    if (same(before, value)) continue;
    patch[key] = value;
    details.push(`${key}: ${show(before)} → ${show(value)}`);
  }
  return { patch: patch, details };
}

function backendDetails(backend: FileBackend): string {
  const extras = [backend.weight !== 1 ? `weight ${backend.weight}` : '', backend.enabled ? '' : 'disabled'].filter(Boolean);
  return extras.length ? `${backend.url} (${extras.join(', ')})` : backend.url;
}

/** What changes in one backend the file names and the route has. */
function backendChange(current: Backend, wanted: FileBackend): { details: string[]; health?: BackendHealth } {
  const details: string[] = [];
  if (current.weight !== wanted.weight) details.push(`weight: ${current.weight} → ${wanted.weight}`);
  if (current.enabled !== wanted.enabled) details.push(`enabled: ${current.enabled} → ${wanted.enabled}`);
  const health = wantedHealth(wanted.health);
  if (same(current.health, health)) return { details };
  // Overrides the backend has and the file does not: null removes them (backends.update).
  const removed = Object.fromEntries(Object.keys(current.health).filter((key) => !(key in health)).map((key) => [key, null]));
  for (const key of new Set([...Object.keys(current.health), ...Object.keys(health)])) {
    const before = (current.health as Record<string, unknown>)[key];
    if (!same(before, health[key])) details.push(`health.${key}: ${before === undefined ? '(route’s)' : show(before)} → ${health[key] === undefined ? '(route’s)' : show(health[key])}`);
  }
  return { details, health: { ...removed, ...health } };
}

/**
 * The diff between the running set-up and a project file, and the commands
 * that apply it. Routes are matched by host and path, backends by URL, as
 * users name them. Without prune, what the file does not name stays and is
 * listed in notInFile (kubectl apply leaves unnamed objects unless --prune).
 */
export function planProject(file: ProjectFile, running: RunningSetup, prune: boolean): ProjectPlan {
  const changes: ProjectChange[] = [];
  const notInFile: ProjectChange[] = [];
  const steps: ProjectPlan['steps'] = [];
  const unnamed = (change: ProjectChange, step: ProjectPlan['steps'][number]) => {
    if (!prune) return notInFile.push(change);
    changes.push(change);
    steps.push(step);
  };

  const named = new Set(file.routes.map((route) => `${route.host}\u0000${route.path}`));
  // Removed first: a TCP route's port, or a host, is free before another takes it.
  for (const route of running.routes) {
    if (named.has(`${route.host}\u0000${route.path}`)) continue;
    unnamed({ action: 'remove', kind: 'route', target: routeLabel(route), details: route.backends.map((b) => b.url) }, (run) => run('routes.delete', { id: route.id }));
  }

  for (const wanted of file.routes) {
    const label = routeLabel(wanted);
    const current = running.routes.find((route) => route.host === wanted.host && route.path === wanted.path);
    if (!current) {
      changes.push({ action: 'add', kind: 'route', target: label, details: [`algorithm: ${wanted.algorithm}`, ...wanted.backends.map((b) => `backend ${backendDetails(b)}`), ...settingsPatch(kindDefaults(wanted.host), wantedSettings(wanted)).details] });
      steps.push((run) => run('routes.create', wanted));
      continue;
    }
    const { patch, details } = settingsPatch(current.settings, wantedSettings(wanted));
    if (current.algorithm !== wanted.algorithm) details.unshift(`algorithm: ${current.algorithm} → ${wanted.algorithm}`);
    if (details.length) {
      changes.push({ action: 'change', kind: 'route', target: label, details });
      steps.push((run) => run('routes.update', { id: current.id, algorithm: wanted.algorithm, settings: patch }));
    }
    for (const backend of current.backends) {
      if (wanted.backends.some((b) => b.url === backend.url)) continue;
      unnamed({ action: 'remove', kind: 'backend', target: `${backend.url} of ${label}`, details: [] }, (run) => run('backends.remove', { id: backend.id }));
    }
    for (const backend of wanted.backends) {
      const existing = current.backends.find((b) => b.url === backend.url);
      if (!existing) {
        changes.push({ action: 'add', kind: 'backend', target: `${backendDetails(backend)} to ${label}`, details: [] });
        steps.push((run) => run('backends.add', { routeId: current.id, url: backend.url, weight: backend.weight, enabled: backend.enabled, health: backend.health }));
        continue;
      }
      const change = backendChange(existing, backend);
      if (!change.details.length) continue;
      changes.push({ action: 'change', kind: 'backend', target: `${backend.url} of ${label}`, details: change.details });
      steps.push(async (run) => {
        if (existing.weight !== backend.weight || change.health) await run('backends.update', { id: existing.id, weight: backend.weight, health: change.health });
        if (existing.enabled !== backend.enabled) await run('backends.setEnabled', { id: existing.id, enabled: backend.enabled });
      });
    }
  }

  // Listener limits the file leaves out are not the file's business (it may be shared by projects); nothing to prune.
  const settingDetails: string[] = [];
  const settingPatch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.settings ?? {})) {
    const before = running.settings[key as keyof ProxySettings] ?? defaultProxySettings[key as keyof ProxySettings];
    if (value === undefined || same(before, value)) continue;
    settingPatch[key] = value;
    settingDetails.push(`${key}: ${show(before)} → ${show(value)}`);
  }
  if (settingDetails.length) {
    changes.push({ action: 'change', kind: 'settings', target: 'proxy settings', details: settingDetails });
    steps.push((run) => run('settings.update', settingPatch));
  }

  if (file.certificates) {
    const wanted = file.certificates.domains;
    for (const domain of wanted.filter((d) => !running.domains.includes(d))) {
      changes.push({ action: 'add', kind: 'domain', target: domain, details: [] });
      steps.push((run) => run('certificates.addDomain', { domain }));
    }
    for (const domain of running.domains.filter((d) => !wanted.includes(d))) {
      unnamed({ action: 'remove', kind: 'domain', target: domain, details: [] }, (run) => run('certificates.removeDomain', { domain }));
    }
  }
  return { changes, notInFile, steps };
}
