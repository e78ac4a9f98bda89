import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { HostResolution, HostsOs } from '../../../shared/hosts';
import { routeKindOf } from '../../../shared/route-kind';

/** How long an answer is reused: the UI asks on every render of a route pane; a hosts-file edit shows within this. */
const cacheMs = 10_000;
/** A resolver that does not answer in this time counts as no answer (the pane must not wait on a dead DNS server). */
const lookupTimeoutMs = 2_000;
/** Bounds the cache when a UI asks about many names. */
const maxCached = 500;

export const currentHostsOs = (platform: NodeJS.Platform = process.platform): HostsOs =>
  platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';

const isLoopbackAddress = (address: string) =>
  (isIP(address) === 4 && address.startsWith('127.')) || address === '::1' || address.toLowerCase().startsWith('::ffff:127.');

type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Whether a route's host reaches this machine, by the resolver browsers and
 * curl use (getaddrinfo, which reads the hosts file). Answers are cached
 * and looked up only when the UI asks: the data plane never resolves a
 * route's host, it matches the Host header.
 */
export class HostCheck {
  private readonly cache = new Map<string, { at: number; answer: Promise<HostResolution> }>();

  constructor(
    private readonly resolve: Lookup = systemLookup,
    private readonly now: () => number = Date.now,
    private readonly os: HostsOs = currentHostsOs(),
  ) {}

  check(host: string): Promise<HostResolution> {
    const base = { host, addresses: [], os: this.os };
    // RFC 6761 §6.3: .localhost names are loopback without any lookup (browsers and systemd-resolved answer them so).
    if (host === 'localhost' || host.endsWith('.localhost')) return Promise.resolve({ ...base, reach: 'loopback' });
    if (host.includes('*') || host.startsWith('[') || isIP(host) || routeKindOf(host) !== 'http') return Promise.resolve({ ...base, reach: 'not-applicable' });
    const cached = this.cache.get(host);
    if (cached && this.now() - cached.at < cacheMs) return cached.answer;
    if (this.cache.size >= maxCached) this.cache.delete(this.cache.keys().next().value!);
    const answer = this.lookUp(host);
    this.cache.set(host, { at: this.now(), answer });
    return answer;
  }

  private async lookUp(host: string): Promise<HostResolution> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), lookupTimeoutMs);
      timer.unref();
    });
    const addresses = await Promise.race([this.resolve(host).catch(() => [] as string[]), timeout]).finally(() => clearTimeout(timer));
    const reach = addresses.length === 0 ? 'unresolved' : addresses.every(isLoopbackAddress) ? 'loopback' : 'elsewhere';
    return { host, addresses, os: this.os, reach, ...(reach === 'loopback' ? {} : { hostsLine: `127.0.0.1 ${host}` }) };
  }
}
