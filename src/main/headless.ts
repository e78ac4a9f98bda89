import { runCli } from './headless/cli';

// `switchyard serve` and the CLI: the same core as the desktop app, under plain Node.
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
});
