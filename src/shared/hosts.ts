// Whether a route's host name reaches this machine. `.localhost` names always
// do (RFC 6761 §6.3: resolvers answer them with loopback); any other name
// needs a hosts-file line, or DNS that points it here. Kept free of zod so
// the renderer can use it.

export type HostsOs = 'linux' | 'macos' | 'windows';

export interface HostsFileLocation {
  os: HostsOs;
  path: string;
}

/** Where each OS keeps its hosts file. */
export const hostsFiles: readonly HostsFileLocation[] = [
  { os: 'linux', path: '/etc/hosts' },
  { os: 'macos', path: '/etc/hosts' },
  { os: 'windows', path: 'C:\\Windows\\System32\\drivers\\etc\\hosts' },
];

export interface HostResolution {
  host: string;
  /** loopback: every address it resolves to is this machine's loopback; elsewhere: it resolves, but not (only) here; unresolved: no address; not-applicable: a wildcard, *, an IP literal or an L4 route. */
  reach: 'loopback' | 'elsewhere' | 'unresolved' | 'not-applicable';
  addresses: string[];
  /** The line to add to the hosts file when the name does not reach loopback. */
  hostsLine?: string;
  /** This machine's OS, so the UI can name its file first. */
  os: HostsOs;
}
