import { describe, expect, it } from 'vitest';
import { formatHealth } from '../../src/main/headless/cli-format';
import type { BackendStats } from '../../src/shared/events';
import { defaultRouteSettings, type Route } from '../../src/shared/model';

// `switchyard status`'s backend lines: latency figures carry their unit only
// when there is a figure ("p50 - p95 - ms" read as a broken line).

const route: Route = {
  id: 1,
  kind: 'http',
  host: 'api.localhost',
  path: '/',
  algorithm: 'round-robin',
  settings: defaultRouteSettings,
  backends: [
    { id: 11, routeId: 1, url: 'http://127.0.0.1:3000', weight: 1, enabled: true, draining: false, health: {} },
    { id: 12, routeId: 1, url: 'http://127.0.0.1:3001', weight: 1, enabled: true, draining: false, health: {} },
  ],
};

const stats = (latency: BackendStats['latency']): BackendStats => ({
  status: 'healthy',
  reason: '',
  since: '2026-12-01T00:00:00.000Z',
  lastCheck: null,
  checks: [true],
  served: 0,
  rps: 0,
  share: 0,
  active: 0,
  failures: 0,
  responses: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  retries: 0,
  latency,
  bytesIn: 0,
  bytesOut: 0,
  errorRate: 0,
});

describe('status: backend latency', () => {
  it('gives milliseconds with figures, and no unit before the first sample', () => {
    const text = formatHealth([route], { 11: stats({ p50: 2.6, p95: 41.2 }), 12: stats({ p50: null, p95: null }) });
    const [, first, second] = text.split('\n');
    expect(first).toContain('p50 3 p95 41 ms');
    expect(second).toMatch(/p50 - p95 -(?! ms)/);
  });
});
