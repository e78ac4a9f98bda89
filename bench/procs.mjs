// Child processes of the harness: start them pinned to a core, stop every one
// of them on exit (also on error or Ctrl+C), and read their CPU time and RSS
// from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { serveNodeFlags } from '../scripts/serve-flags.mjs';

const children = new Set();
const tempDirs = new Set();
let pinning = true;

export function setPinning(enabled) {
  pinning = enabled;
}

/** argv prefixed with `taskset -c CORE` when pinning is on. */
export function pinned(core, argv) {
  return pinning && core !== undefined ? ['taskset', '-c', String(core), ...argv] : argv;
}

/**
 * Starts a long-lived child in its own process group (so nginx's worker goes
 * down with its master) and remembers it for cleanup.
 */
export function startChild(name, argv, { core, cwd, env } = {}) {
  const full = pinned(core, argv);
  const child = spawn(full[0], full.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (chunk) => {
    child.output = (child.output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('error', (error) => (child.output += `\n${error.message}`));
  return track(child);
}

/** Remembers a child so it is killed when the harness exits, however it exits. */
export function track(child) {
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

/** Resolves when `pattern` shows up in the child's output; rejects on exit or timeout. */
export function waitForOutput(child, pattern, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error, match) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(match);
    };
    const check = () => {
      const match = child.output.match(pattern);
      if (match) finish(null, match);
    };
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => finish(new Error(`${child.label}: not ready after ${timeoutMs} ms. Output:\n${child.output.slice(-2000)}`)), timeoutMs);
    child.exited.then(({ code, signal }) => {
      check();
      finish(new Error(`${child.label} exited (${signal ?? code}) before it was ready. Output:\n${child.output.slice(-2000)}`));
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone: nothing left to signal.
    }
  }
}

/** Asks a child to stop (SIGTERM), then kills its process group after `graceMs`. */
export async function stopChild(child, graceMs = 3_000) {
  if (!children.has(child)) return;
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // whatever is left in the group (nginx workers)
}

/** Kills a child's whole process group at once, as a crash would (SIGKILL); resolves once it has exited. */
export async function crashChild(child) {
  killGroup(child, 'SIGKILL');
  await child.exited;
}

export async function stopAll() {
  await Promise.all([...children].map((child) => stopChild(child)));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * Runs a bench script's `main` (resolving to its exit code): every child it
 * started is stopped whichever way it ends, and a throw is printed as `name: stack`.
 * `onEnd` runs first either way (run.mjs clears its watchdog there).
 */
export function runMain(name, main, onEnd = () => {}) {
  main()
    .then(async (code) => {
      onEnd();
      await stopAll();
      process.exit(code);
    })
    .catch(async (error) => {
      onEnd();
      process.stdout.write(`${name}: ${error.stack ?? error}\n`);
      await stopAll();
      process.exit(1);
    });
}

export function trackTempDir(dir) {
  tempDirs.add(dir);
  return dir;
}

/** Last resort, synchronous: for process 'exit'. */
function killAllNow() {
  for (const child of children) killGroup(child, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping everything.\n`);
    killAllNow();
    process.exit(130);
  });
}

/** A port nothing listens on right now (loopback). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---- /proc readers -------------------------------------------------------

export const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces: fields start after the last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and all its descendants. */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(entry)[1]));
    } catch {
      // The process exited between the listing and the read: not part of any tree.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => parents.has(p));
}

/** utime+stime of the whole tree, in clock ticks. */
export function cpuTicks(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = statFields(pid);
      total += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    } catch {
      // Exited since the tree was read: its time is no longer counted anywhere.
    }
  }
  return total;
}

/** stime of the tree in clock ticks: the kernel's share (syscalls, loopback TCP) of what cpuTicks counts. */
export function systemTicks(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(statFields(pid)[12]);
    } catch {
      // Exited since the tree was read.
    }
  }
  return total;
}

/**
 * CPU time of the tree's threads in ns, from the scheduler's own account
 * (/proc/PID/task/TID/schedstat): exact, where utime+stime come in clock
 * ticks, too coarse for the short runs many interleaved pairs need.
 */
export function runtimeNs(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // Exited since the tree was read.
    }
  }
  return total;
}

/**
 * The Node flags an A/B run gives a build copy's `serve`: the V8 flags the
 * bin's shebang gives it (bin/switchyard.js), or the copy's own, one line in
 * DIR/node-flags (one build run with other flags, e.g. another semi-space);
 * with a CPU profile to DIR when asked.
 */
export function buildNodeFlags(dir, cpuProfDir) {
  const flagsFile = join(resolve(dir), 'node-flags');
  const flags = existsSync(flagsFile) ? readFileSync(flagsFile, 'utf8').trim().split(/\s+/).filter(Boolean) : serveNodeFlags();
  if (cpuProfDir) flags.push('--cpu-prof', '--cpu-prof-dir', resolve(cpuProfDir));
  return flags;
}

/** Sum of VmRSS over the tree, in kB. */
export function rssKb(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      if (match) total += Number(match[1]);
    } catch {
      // Exited since the tree was read: it holds no memory now.
    }
  }
  return total;
}
