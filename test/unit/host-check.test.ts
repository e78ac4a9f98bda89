import { describe, expect, it } from 'vitest';
import { HostCheck } from '../../src/main/core/hosts/host-check';

function recording(answers: Record<string, string[] | 'hang' | 'fail'>) {
  const asked: string[] = [];
  const lookup = (host: string) => {
    asked.push(host);
    const answer = answers[host];
    if (answer === 'hang') return new Promise<string[]>(() => {});
    if (answer === 'fail' || answer === undefined) return Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    return Promise.resolve(answer);
  };
  return { asked, lookup };
}

describe('HostCheck', () => {
  it('answers .localhost names, wildcards, IP literals and L4 routes without a lookup', async () => {
    const { asked, lookup } = recording({});
    const check = new HostCheck(lookup, Date.now, 'linux');
    for (const host of ['api.myapp.localhost', 'localhost']) expect((await check.check(host)).reach).toBe('loopback');
    for (const host of ['*.myapp.test', '*', '[::1]', '10.0.0.1', 'tcp://127.0.0.1:15432']) expect((await check.check(host)).reach).toBe('not-applicable');
    expect(asked).toEqual([]);
  });

  it('says a name that resolves elsewhere, or not at all, needs a hosts-file line', async () => {
    const { lookup } = recording({ 'api.example.test': ['93.184.215.14'], 'mixed.test': ['127.0.0.1', '10.1.2.3'], 'mine.test': ['127.0.0.1', '::1'] });
    const check = new HostCheck(lookup, Date.now, 'windows');
    expect(await check.check('api.example.test')).toEqual({ host: 'api.example.test', reach: 'elsewhere', addresses: ['93.184.215.14'], hostsLine: '127.0.0.1 api.example.test', os: 'windows' });
    expect((await check.check('mixed.test')).reach).toBe('elsewhere');
    expect(await check.check('mine.test')).toEqual({ host: 'mine.test', reach: 'loopback', addresses: ['127.0.0.1', '::1'], os: 'windows' });
    expect(await check.check('nowhere.test')).toMatchObject({ reach: 'unresolved', hostsLine: '127.0.0.1 nowhere.test' });
  });

  it('reuses an answer for 10 s, then looks again', async () => {
    let now = 0;
    const { asked, lookup } = recording({ 'a.test': ['127.0.0.1'] });
    const check = new HostCheck(lookup, () => now, 'linux');
    await check.check('a.test');
    now = 9_999;
    await check.check('a.test');
    expect(asked).toEqual(['a.test']);
    now = 10_000;
    await check.check('a.test');
    expect(asked).toEqual(['a.test', 'a.test']);
  });

  it('counts a resolver that does not answer within 2 s as no answer', async () => {
    const { lookup } = recording({ 'slow.test': 'hang' });
    const started = Date.now();
    expect((await new HostCheck(lookup, Date.now, 'linux').check('slow.test')).reach).toBe('unresolved');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});
