import { describe, expect, it } from 'vitest';
import { routeSettingsPatchSchema } from '../../src/shared/model';
import { probe } from '../../src/main/core/health/probe';

const parse = (healthPath: unknown) => routeSettingsPatchSchema.safeParse({ healthPath });

describe('health check paths', () => {
  it('are stored percent-encoded, so what is shown is what is sent', () => {
    expect(parse('/状态').data?.healthPath).toBe('/%E7%8A%B6%E6%80%81');
    expect(parse('/café?x=ü').data?.healthPath).toBe('/caf%C3%A9?x=%C3%BC');
    expect(parse('/emoji/🚦').data?.healthPath).toBe('/emoji/%F0%9F%9A%A6');
    // Existing escapes are kept, a lone % is escaped itself.
    expect(parse('/a%20b').data?.healthPath).toBe('/a%20b');
    expect(parse('/100%').data?.healthPath).toBe('/100%25');
    expect(parse('/a"b<c>').data?.healthPath).toBe('/a%22b%3Cc%3E');
    expect(parse('/health').data?.healthPath).toBe('/health');
  });

  it('refuses what cannot be a request path, saying why', () => {
    for (const [path, why] of [
      ['/a\r\nX-Evil: 1', 'control character'],
      ['/a\u0000', 'control character'],
      ['/a b', 'space'],
      ['/\uD800', 'broken Unicode'],
      ['health', 'does not start with /'],
    ] as const) {
      const result = parse(path);
      expect(result.success, path).toBe(false);
      expect(result.error?.issues[0]?.message).toContain(why);
    }
  });

  it('a probe Node refuses to send is a failed check, never an exception', async () => {
    const result = await probe({
      type: 'http',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9,
      hostport: '127.0.0.1:9',
      method: 'GET',
      path: '/状态',
      statuses: '2xx',
      bodyContains: '',
      timeoutMs: 1_000,
      verifyTls: true,
    });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^the check could not be sent: .*unescaped characters/i);
  });
});
