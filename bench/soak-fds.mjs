// What a process's open descriptors are, so a leak the soak finds names
// itself: TCP sockets by state and by the port they belong to (the proxy's
// listener, the admin API, a backend), the rest by kind.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

// /proc/net/tcp's state column (include/net/tcp_states.h).
const tcpStates = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

/** inode -> { state, localPort, remotePort } for every TCP socket of the machine. */
function tcpSockets() {
  const sockets = new Map();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (address) => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
      sockets.set(f[9], { state: tcpStates[f[3]] ?? f[3], localPort: port(f[1]), remotePort: port(f[2]) });
    }
  }
  return sockets;
}

/** Inodes of the machine's Unix-domain and UDP sockets, to tell them from TCP ones the kernel has already let go. */
function otherSockets() {
  const kinds = new Map();
  for (const [table, kind, column] of [['/proc/net/unix', 'unix socket', 6], ['/proc/net/udp', 'udp socket', 9], ['/proc/net/udp6', 'udp socket', 9]]) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[column];
      if (inode) kinds.set(inode, kind);
    }
  }
  return kinds;
}

export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Counts `pid`'s descriptors by what they are. `ports` names the ports the
 * soak knows (e.g. { 36255: 'proxy', 40419: 'backend-b' }).
 */
export function describeFds(pid, ports) {
  const sockets = tcpSockets();
  const others = otherSockets();
  const counts = {};
  const add = (key) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
    if (!inode) {
      add(target.startsWith('/') ? 'file' : target.replace(/:.*/, ''));
      continue;
    }
    const tcp = sockets.get(inode);
    // A TCP socket the kernel has closed (after a reset) but the process still holds is in no table.
    if (!tcp) add(others.get(inode) ?? 'socket in no table (a TCP connection already closed?)');
    else if (tcp.state === 'LISTEN') add(`tcp LISTEN ${ports[tcp.localPort] ?? tcp.localPort}`);
    else if (ports[tcp.localPort]) add(`tcp ${tcp.state} from a client of ${ports[tcp.localPort]}`);
    else add(`tcp ${tcp.state} to ${ports[tcp.remotePort] ?? `port ${tcp.remotePort}`}`);
  }
  return counts;
}
