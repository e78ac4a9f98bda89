import { writeFile } from 'node:fs/promises';
import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';
import { exportFormats, type ExportFormat } from '../../shared/export-formats';

// `switchyard export --format nginx|haproxy|caddy|k8s-ingress|gateway-api`:
// the running routes as a production config, to stdout or a file. The config
// names certificate files and never holds a key, so the file is written with
// the usual permissions.

export const exportUsage = `  export --format ${exportFormats.join('|')} [--out FILE]
                                           every route as a production config (stdout, or FILE); comments
                                           say what the format cannot express`;

type Call = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;

const isFormat = (text: string): text is ExportFormat => (exportFormats as readonly string[]).includes(text);

export async function exportCommand(
  args: readonly string[],
  values: { format?: string; out?: string; output?: string },
  call: Call,
  out: (text: string) => void,
  usageError: (message: string) => Error,
): Promise<number> {
  if (args.length) throw usageError(`Usage: switchyard export --format ${exportFormats.join('|')} [--out FILE]`);
  if (values.format === undefined || !isFormat(values.format)) {
    const given = values.format === undefined ? 'export needs --format' : `"${values.format}" is not an export format`;
    throw usageError(`${given}: ${exportFormats.join(', ')} (for example switchyard export --format nginx --out nginx.conf).`);
  }
  const file = values.out ?? values.output;
  const exported = await call('routes.export', { format: values.format });
  if (file === undefined) {
    out(exported.text.trimEnd());
    return 0;
  }
  await writeFile(file, exported.text);
  out(`Wrote the ${values.format} config to ${file}; its comments say what needs filling in (certificates, Services) and what ${values.format} cannot express.`);
  return 0;
}
