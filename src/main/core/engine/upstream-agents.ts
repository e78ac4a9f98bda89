import http from 'node:http';
import https from 'node:https';
import type { UpstreamTarget } from './routing-table';

// Idle pooled sockets are dropped after 4 s: Node dev servers close idle
// keep-alive sockets after 5 s, and reusing one they are closing races into
// ECONNRESET (undici's default keepAliveTimeout is 4 s for the same reason).
const idleTimeoutMs = 4_000;

/**
 * One keep-alive agent per backend origin. Agents outlive routing-table
 * swaps so a config change does not drop warm connections.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, http.Agent>();

  for(target: UpstreamTarget): http.Agent {
    let agent = this.agents.get(target.url);
    if (!agent) {
      const options = { keepAlive: true, maxFreeSockets: 256, timeout: idleTimeoutMs, scheduling: 'lifo' as const };
      agent = target.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(target.url, agent);
    }
    return agent;
  }

  /** Forget agents of backends no longer configured; their in-flight requests finish, idle sockets time out. */
  retain(urls: ReadonlySet<string>): void {
    for (const [url, agent] of this.agents) {
      if (urls.has(url)) continue;
      this.agents.delete(url);
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
