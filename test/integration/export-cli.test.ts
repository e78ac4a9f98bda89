import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportConfig } from '../../src/main/core/export';
import { exportFormats } from '../../src/shared/export-formats';
import type { Route } from '../../src/shared/model';
import { cli, startServe, type ServeProcess } from '../helpers/cli';
import { freePort, tempDir } from '../helpers/core';
import { caddyCheck, haproxyCheck, nginxCheck, tlsFolder } from '../helpers/export-tools';

// `switchyard export --format F` against a running serve: what the store
// holds comes out as the config, and the real tool reads what the CLI wrote.

describe('switchyard export', () => {
  const data = tempDir();
  const files = tempDir('switchyard-export-out-');
  let serve: ServeProcess;
  const env = { SWITCHYARD_DATA_DIR: data.path };

  beforeAll(async () => {
    serve = await startServe(data.path);
    // Closed loopback ports: nothing is proxied, only exported.
    expect((await cli(['route', 'add', 'api.shop.localhost', '--path', '/v1', '--backend', 'http://127.0.0.1:9', '--backend', 'http://127.0.0.1:10', '--algorithm', 'least-connections', '--set', 'healthCheck=off'], env)).code).toBe(0);
    expect((await cli(['route', 'add', `tcp://127.0.0.1:${await freePort()}`, '--backend', 'tcp://127.0.0.1:11', '--set', 'healthCheck=off'], env)).code).toBe(0);
  }, 30_000);
  afterAll(async () => {
    await serve.stop();
    data.remove();
    files.remove();
  });

  it('prints each format to stdout', async () => {
    const results = await Promise.all(exportFormats.map((format) => cli(['export', '--format', format], env)));
    for (const [index, format] of exportFormats.entries()) {
      const { code, stdout, stderr } = results[index]!;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain('exported by Switchyard');
      expect(stdout).toContain(format === 'k8s-ingress' || format === 'gateway-api' ? 'api.shop.localhost' : '127.0.0.1:9');
    }
  });

  it('writes --out FILE: the stored routes as the exporter writes them, which nginx, HAProxy and Caddy accept', async () => {
    const routes = JSON.parse((await cli(['route', 'list', '--json'], env)).stdout) as Route[];
    expect(routes.map((r) => r.kind).sort()).toEqual(['http', 'tcp']);
    const tls = await tlsFolder(routes);
    try {
      for (const format of ['nginx', 'haproxy', 'caddy'] as const) {
        const file = join(files.path, format);
        const { code, stdout } = await cli(['export', '--format', format, '--out', file], env);
        expect(code).toBe(0);
        expect(stdout).toContain(`Wrote the ${format} config to ${file}`);
        expect(readFileSync(file, 'utf8')).toBe(exportConfig(format, routes).text);
        // Production ports and certificate folder need root; the tools read the same export on high ports and a temp folder.
        const check = format === 'nginx' ? nginxCheck : format === 'haproxy' ? haproxyCheck : caddyCheck;
        const result = await check(exportConfig(format, routes, { httpPort: 18080, httpsPort: 18443, tlsDirectory: tls.path }).text);
        expect(result.output).not.toMatch(/emerg|ALERT/);
        expect(result.ok).toBe(true);
      }
    } finally {
      tls.remove();
    }
  });

  it('refuses a missing or unknown --format with a sentence that lists the formats', async () => {
    const [unknown, extra] = await Promise.all([cli(['export', '--format', 'apache'], env), cli(['export', '--format', 'nginx', 'extra'], env)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"apache" is not an export format: nginx, haproxy, caddy, k8s-ingress, gateway-api');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('Usage: switchyard export --format nginx|haproxy|caddy|k8s-ingress|gateway-api [--out FILE]');
  });
});
