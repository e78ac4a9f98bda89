import type http from 'node:http';
import { expect } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { startBackend, type TestBackend } from './backends';
import { must, proxyPort, request, type ProxyResponse } from './core';

/** A route with the cache on in front of one backend (checks off, so the backend counts only requests). */
export async function cachedRoute(
  core: Core,
  host: string,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  settings: Record<string, unknown> = {},
): Promise<{ backend: TestBackend; get: (path: string, headers?: http.OutgoingHttpHeaders, method?: string) => Promise<ProxyResponse>; routeId: number }> {
  const backend = await startBackend(host, handler);
  const route = await must(core.run('routes.create', { host, settings: { cache: true, healthCheck: 'off', retries: 0, ...settings }, backends: [{ url: backend.url }] }));
  const get = (path: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET') => request(proxyPort(core), host, path, { headers, method });
  return { backend, get, routeId: route.id };
}

/** Asserts the Cache-Status a response carried. */
export function expectCacheStatus(res: ProxyResponse, expected: string | RegExp): void {
  const value = res.headers['cache-status'];
  if (typeof expected === 'string') expect(value).toBe(expected);
  else expect(value).toMatch(expected);
}
