import { watch as watchFiles, type FSWatcher } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import { SwitchyardError } from '../../shared/errors';
import { projectFileName, type ProjectChange, type ProjectDiff } from '../../shared/project';

type Call = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;
type Out = (text: string) => void;

/** Editors save in bursts (write, rename, chmod): one apply per burst. */
const watchDebounceMs = 200;

export const projectUsage = `  apply [FILE] [--prune] [--dry-run] [--watch]
                                           make the running routes match a project file (default ./${projectFileName}):
                                           prints what changes; --prune also removes what the file does not name;
                                           --dry-run only prints; --watch applies again on every save until Ctrl+C
  export [--out FILE]                      the running set-up as a project file (stdout, or FILE)`;

const marks: Record<ProjectChange['action'], string> = { add: '+', change: '~', remove: '-' };

export function formatDiff(diff: ProjectDiff, prune: boolean): string {
  const lines = diff.changes.map((change) => {
    const head = `${marks[change.action]} ${change.kind === 'settings' ? '' : `${change.kind} `}${change.target}`;
    return change.details.length ? `${head}\n${change.details.map((detail) => `    ${detail}`).join('\n')}` : head;
  });
  if (!prune && diff.notInFile.length) {
    lines.push(`Not in the file, kept (--prune removes them):\n${diff.notInFile.map((change) => `  ${change.kind} ${change.target}`).join('\n')}`);
  }
  return lines.join('\n');
}

/** `FILE:line:column: …`, as compilers print it: the core's message starts with the position. */
function inFile(file: string, error: unknown): unknown {
  if (!(error instanceof SwitchyardError) || error.code !== 'VALIDATION_FAILED' || !/^\d+:\d+: /.test(error.message)) return error;
  return new SwitchyardError(error.code, `${file}:${error.message}`, error.field);
}

async function readProject(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SwitchyardError(
      'VALIDATION_FAILED',
      code === 'ENOENT'
        ? `There is no ${file}. Write one with \`switchyard export --out ${file}\`, or name the file: switchyard apply path/to/${projectFileName}.`
        : `Cannot read ${file}: ${(error as Error).message}.`,
    );
  }
}

async function applyOnce(file: string, call: Call, out: Out, options: { prune: boolean; dryRun: boolean }): Promise<void> {
  const text = await readProject(file);
  try {
    if (options.dryRun) {
      const diff = await call('project.diff', { text, prune: options.prune });
      out(diff.changes.length ? `${formatDiff(diff, options.prune)}\n(dry run: nothing applied)` : `${formatDiff(diff, options.prune)}\nNothing to change.`.trim());
      return;
    }
    const applied = await call('project.apply', { text, prune: options.prune });
    const summary = applied.applied ? `Applied ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'} from ${file}.` : `Nothing to change: the running set-up is ${file}'s.`;
    out([formatDiff(applied, options.prune), summary].filter(Boolean).join('\n'));
  } catch (error) {
    throw inFile(file, error);
  }
}

/** `switchyard apply [FILE]`: once, or with --watch on every save; a broken save is reported and the last good state kept. */
export async function applyCommand(
  args: readonly string[],
  values: { prune?: boolean; 'dry-run'?: boolean; watch?: boolean },
  call: Call,
  io: { out: Out; err: Out },
  usage: (shape: string) => Error,
): Promise<number> {
  if (args.length > 1) throw usage('apply [FILE] [--prune] [--dry-run] [--watch]');
  const file = args[0] ?? projectFileName;
  const options = { prune: values.prune ?? false, dryRun: values['dry-run'] ?? false };
  if (!values.watch) {
    await applyOnce(file, call, io.out, options);
    return 0;
  }
  const report = async () => {
    try {
      await applyOnce(file, call, io.out, options);
    } catch (error) {
      // Watching keeps going: the previous good state runs until the next save fixes the file.
      if (!(error instanceof SwitchyardError) || error.code === 'NOT_RUNNING') throw error;
      io.err(`switchyard: ${error.message}\n(nothing changed; waiting for the next save)`);
    }
  };
  await report();
  io.out(`Watching ${file} for changes. Press Ctrl+C to stop.`);
  await new Promise<void>((done, fail) => {
    let timer: NodeJS.Timeout | undefined;
    let running = Promise.resolve();
    // The folder, not the file: editors save by writing a new file and renaming it over the old one.
    const watcher: FSWatcher = watchFiles(dirname(resolve(file)), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(report).catch((error: unknown) => {
          stop();
          fail(error instanceof Error ? error : new Error(String(error)));
        });
      }, watchDebounceMs);
    });
    const stop = () => {
      clearTimeout(timer);
      watcher.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    const onSignal = () => {
      stop();
      done();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return 0;
}

/** `switchyard export` (or --format switchyard): the project file, to stdout or --out. */
export async function exportProjectCommand(args: readonly string[], values: { out?: string }, call: Call, out: Out, usage: (shape: string) => Error): Promise<number> {
  if (args.length) throw usage('export [--out FILE]');
  const { text } = await call('project.export', {});
  if (values.out === undefined) {
    out(text.trimEnd());
    return 0;
  }
  await writeFile(values.out, text);
  out(`Wrote ${values.out}; apply it elsewhere with \`switchyard apply ${values.out}\`.`);
  return 0;
}
