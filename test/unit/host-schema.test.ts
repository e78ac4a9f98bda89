import { describe, expect, it } from 'vitest';
import { parseHost } from '../../src/main/core/engine/http/host-header';
import { hostSchema } from '../../src/shared/model';

describe('route hosts may be IP literals', () => {
  it.each([
    ['[::1]', '[::1]'],
    ['[0:0:0:0:0:0:0:1]', '[::1]'],
    ['[FE80::1]', '[fe80::1]'],
    ['127.0.0.1', '127.0.0.1'],
    ['192.168.1.20', '192.168.1.20'],
  ])('%j is stored as %j', (input, stored) => {
    expect(hostSchema.parse(input)).toBe(stored);
  });

  it.each(['::1', '[::1]:7800', 'http://[::1]', '[::1', '[not-an-address]', '[fe80::1%eth0]', '[::1]/api', '127.0.0.1:3000'])('%j is refused with the host sentence', (input) => {
    const result = hostSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/no scheme, port or path/);
  });

  it('a stored IPv6 host is what the data plane reduces any spelling of that Host header to', () => {
    for (const header of ['[::1]:7800', '[0::1]', '[0000:0000::0001]:80']) {
      expect(parseHost(header)).toEqual({ host: hostSchema.parse('[::1]') });
    }
  });
});
