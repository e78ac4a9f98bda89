import { describe, expect, it } from 'vitest';
import { commands } from '../../src/shared/commands';
import { backendUrlSchema, hostSchema, pathSchema } from '../../src/shared/model';
import { validate } from '../../src/main/core/api/validate';

describe('host names', () => {
  it.each([
    ['API.MyApp.localhost', 'api.myapp.localhost'],
    ['*.myapp.localhost', '*.myapp.localhost'],
    ['demo.localhost.', 'demo.localhost'],
    ['  localhost ', 'localhost'],
    ['*', '*'],
  ])('accepts %s as %s', (input, stored) => {
    expect(hostSchema.parse(input)).toBe(stored);
  });

  it.each(['', 'http://demo.localhost', 'demo.localhost:3000', 'demo.localhost/api', 'a..b', 'a.*.b', '-a.localhost', 'spa ce.localhost', '**', '*a.localhost'])(
    'refuses %j',
    (input) => {
      expect(hostSchema.safeParse(input).success).toBe(false);
    },
  );
});

describe('path prefixes', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['api', '/api'],
    ['/api/', '/api'],
    ['/api/v1', '/api/v1'],
  ])('normalises %j to %j', (input, stored) => {
    expect(pathSchema.parse(input)).toBe(stored);
  });

  it.each(['/a b', '/a?x=1', '/a#b', '/a//b'])('refuses %j', (input) => {
    expect(pathSchema.safeParse(input).success).toBe(false);
  });
});

describe('backend URLs', () => {
  it.each([
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['HTTP://LocalHost:3000/', 'http://localhost:3000'],
    ['https://[::1]:8443', 'https://[::1]:8443'],
    ['http://127.0.0.1:80', 'http://127.0.0.1:80'],
    // Without a scheme, as dev servers print their address: http.
    ['127.0.0.1:3103', 'http://127.0.0.1:3103'],
    ['localhost:5173', 'http://localhost:5173'],
    ['[::1]:8080', 'http://[::1]:8080'],
  ])('accepts %s as %s', (input, stored) => {
    expect(backendUrlSchema.parse(input)).toBe(stored);
  });

  it.each([
    ['127.0.0.1', /port/],
    ['localhost', /port/],
    ['ftp://127.0.0.1:21', /http:\/\/ or https/],
    ['http://127.0.0.1', /port/],
    ['http://127.0.0.1:0', /1 to 65535/],
    // WHATWG URL throws on these: the range is still what the user needs to hear.
    ['http://127.0.0.1:99999', /1 to 65535/],
    ['localhost:70000', /1 to 65535/],
    ['http://[::1]:65536', /1 to 65535/],
    ['http://127.0.0.1:abc', /full URL/],
    ['http://127.0.0.1:99999abc', /full URL/],
    ['http://127.0.0.1:3000/api', /only scheme, host and port/],
    ['http://user:pw@127.0.0.1:3000', /only scheme, host and port/],
    // URL parsing drops tabs and line breaks, so this would read as port 3000 while the port check read 30.
    ['http://127.0.0.1:30\n00', /control character/],
    ['http://127.0.0.1:30\r\n00', /control character/],
    ['http://127.\t0.0.1:3000', /control character/],
    ['http://127.0.0.1:3000\0', /control character/],
  ])('refuses %j with a message that says what to do', (input, message) => {
    const parsed = backendUrlSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(message);
  });
});

describe('command input validation', () => {
  it('fills defaults for a new route', () => {
    expect(validate(commands['routes.create'].input, { host: 'Demo.localhost', backends: [{ url: 'http://127.0.0.1:3000' }] })).toEqual({
      host: 'demo.localhost',
      path: '/',
      algorithm: 'round-robin',
      settings: {},
      backends: [{ url: 'http://127.0.0.1:3000', weight: 1, enabled: true, health: {} }],
    });
  });

  it('checks route settings: a header or cookie key needs its name, unknown settings are refused', () => {
    expect(() =>
      validate(commands['routes.create'].input, { host: 'a.localhost', settings: { hashKey: { source: 'header' } } }),
    ).toThrow(expect.objectContaining({ field: 'settings.hashKey.name', message: expect.stringMatching(/Name the header or cookie/) }));
    expect(() => validate(commands['routes.update'].input, { id: 1, settings: { stickyness: true } })).toThrow(
      expect.objectContaining({ field: 'settings', message: expect.stringMatching(/^Unknown field in settings: stickyness\. Valid fields: hashKey, /) }),
    );
    expect(
      validate(commands['routes.update'].input, { id: 1, settings: { hashKey: { source: 'cookie', name: 'Session' } } }).settings,
    ).toEqual({ hashKey: { source: 'cookie', name: 'session' } });
  });

  it('names the field at fault, down to the backend index', () => {
    expect(() =>
      validate(commands['routes.create'].input, { host: 'demo.localhost', backends: [{ url: 'http://a:1' }, { url: 'nope' }] }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'backends.1.url' }));
  });

  it('refuses unknown fields instead of ignoring a typo', () => {
    expect(() => validate(commands['routes.create'].input, { host: 'demo.localhost', algoritm: 'x' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', message: 'Unknown field: algoritm. Valid fields: host, path, algorithm, settings, backends.' }),
    );
  });

  it('says a missing field is required', () => {
    expect(() => validate(commands['backends.setEnabled'].input, { id: 3 })).toThrow(
      expect.objectContaining({ field: 'enabled', message: 'enabled is required.' }),
    );
  });

  it('refuses an unknown algorithm with the list of choices', () => {
    expect(() => validate(commands['routes.create'].input, { host: 'a.localhost', algorithm: 'fastest' })).toThrow(
      expect.objectContaining({ field: 'algorithm', message: expect.stringContaining('round-robin') }),
    );
  });
});
