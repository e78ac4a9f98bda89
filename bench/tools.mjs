// External tools (wrk, nginx, haproxy, taskset), the Switchyard build, and
// the facts about this machine that go into the report.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const repoDir = join(new URL('.', import.meta.url).pathname, '..');
const aptPackages = { wrk: 'wrk', nginx: 'nginx', haproxy: 'haproxy', taskset: 'util-linux' };

function run(cmd, args, timeout = 30_000) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { ok: r.status === 0, text: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), error: r.error };
}

export function has(tool) {
  return run('sh', ['-c', `command -v ${tool}`]).ok;
}

/**
 * Installs missing tools with apt-get when we are root. Returns the list of
 * tools still missing (the caller skips what needs them).
 */
export function ensureTools(log) {
  const missing = Object.keys(aptPackages).filter((t) => !has(t));
  if (missing.length && process.getuid?.() === 0 && has('apt-get')) {
    const pkgs = [...new Set(missing.map((t) => aptPackages[t]))];
    log(`installing ${pkgs.join(' ')} with apt-get ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000, env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'ignore', timeout: 600_000, env });
  }
  return Object.keys(aptPackages).filter((t) => !has(t));
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the app (electron-vite), so the numbers are for the work tree as it
 * is now; with `onlyIfStale`, only when out/main/headless.js is missing or
 * older than src/.
 */
export function ensureBuild(log, { onlyIfStale = false } = {}) {
  const entry = join(repoDir, 'out/main/headless.js');
  if (onlyIfStale && existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(repoDir, 'src'))) return;
  log('building Switchyard (npx electron-vite build) ...');
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoDir, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`build failed:\n${`${r.stdout}${r.stderr}`.trim().slice(-2000)}`);
}

function version(cmd, args, pattern) {
  if (!has(cmd)) return 'not installed';
  return run(cmd, args).text.match(pattern)?.[1] ?? 'unknown';
}

/** The commit measured, and whether src/ differed from it. */
export function switchyardVersion() {
  const head = run('git', ['-C', repoDir, 'log', '-1', '--format=%h %s']);
  const subject = head.text.length > 72 ? `${head.text.slice(0, 71)}…` : head.text;
  if (!head.ok) return 'unknown (not a git checkout)';
  const dirty = run('git', ['-C', repoDir, 'status', '--porcelain', '--', 'src']).text;
  return `${subject}${dirty ? ' (plus uncommitted changes in src/)' : ''}`;
}

export function machineInfo({ loadAtStart, switchyard }) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    nproc: os.availableParallelism(),
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: os.release(),
    node: process.version,
    switchyard,
    nginx: version('nginx', ['-v'], /nginx\/(\S+)/),
    haproxy: version('haproxy', ['-v'], /version (\S+)/),
    wrk: version('wrk', ['-v'], /wrk (\S+)/),
    date: new Date().toISOString(),
    load: `${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end (1-minute load average; the bench itself adds about 2)`,
  };
}
