import type { ListenerStatus } from '../../../shared/commands';
import { SwitchyardError } from '../../../shared/errors';
import type { Route } from '../../../shared/model';
import type { ProjectApplied, ProjectDiff, ProjectExport } from '../../../shared/project';
import type { ProxySettings } from '../../../shared/proxy-settings';
import { refuseProxyLoop } from '../engine/routing/proxy-loop';
import { exportProject } from '../project/project-export';
import { parseProjectFile } from '../project/project-file';
import { planProject, type RunCommand, type RunningSetup } from '../project/project-plan';

export interface ProjectDeps {
  routes: () => Route[];
  settings: () => ProxySettings;
  domains: () => string[];
  /** Routes a project file neither exports nor prunes: the demo's, whose backends live only as long as this process. */
  ownedElsewhere: () => ReadonlySet<number>;
  ownListeners: () => readonly ListenerStatus[];
  run: RunCommand;
  /** Notes the apply on the timeline, even one that changed nothing: `--watch` users see each save was read. */
  applied: (what: string) => void;
}

type ProjectInput = { text: string; prune: boolean };

export function createProjectHandlers(deps: ProjectDeps) {
  const running = (): RunningSetup => {
    const skip = deps.ownedElsewhere();
    return { routes: deps.routes().filter((route) => !skip.has(route.id)), settings: deps.settings(), domains: deps.domains() };
  };
  const plan = ({ text, prune }: ProjectInput) => {
    const file = parseProjectFile(text);
    // Checked before the first command, like the schema: a loop found halfway would leave half a file applied.
    file.routes.forEach((route, index) =>
      route.backends.forEach((backend, backendIndex) => refuseProxyLoop(backend.url, deps.ownListeners(), `routes.${index}.backends.${backendIndex}.url`)),
    );
    return planProject(file, running(), prune);
  };
  return {
    'project.diff': (input: ProjectInput): ProjectDiff => {
      const { changes, notInFile } = plan(input);
      return { changes, notInFile };
    },
    'project.apply': async (input: ProjectInput): Promise<ProjectApplied> => {
      const { changes, notInFile, steps } = plan(input);
      for (const [index, step] of steps.entries()) {
        try {
          await step(deps.run);
        } catch (error) {
          if (!(error instanceof SwitchyardError)) throw error;
          // What the file could not know (a port another program holds, a domain the CA refuses): say what is applied.
          const change = changes[index]!;
          throw new SwitchyardError(
            error.code,
            `Applied ${index} of ${steps.length} changes, then ${change.action} ${change.kind} ${change.target} failed: ${error.message} Fix it and apply again; what is applied stays.`,
            error.field,
          );
        }
      }
      deps.applied(steps.length ? `Applied a project file: ${steps.length} change${steps.length === 1 ? '' : 's'}` : 'Applied a project file: nothing to change');
      return { changes, notInFile, applied: steps.length > 0 };
    },
    'project.export': (): ProjectExport => exportProject(running()),
  };
}
