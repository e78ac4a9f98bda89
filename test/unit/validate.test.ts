import { describe, expect, it } from 'vitest';
import { validate } from '../../src/main/core/api/validate';
import { commands, type CommandName } from '../../src/shared/commands';

const refusal = (name: CommandName, input: unknown) => {
  try {
    validate(commands[name].input, input);
  } catch (error) {
    return { message: (error as Error).message, field: (error as { field?: string }).field };
  }
  throw new Error('accepted');
};

describe('validation messages say what to do', () => {
  it('an unknown field lists the valid ones, at any depth', () => {
    expect(refusal('routes.create', { host: 'a.localhost', nope: 1 })).toEqual({ message: 'Unknown field: nope. Valid fields: host, path, algorithm, settings, backends.', field: undefined });
    const nested = refusal('routes.update', { id: 1, settings: { stickyy: 'cookie' } });
    expect(nested.message).toMatch(/^Unknown field in settings: stickyy\. Valid fields: hashKey, stripPrefix, .*sticky, stickyCookie, /);
    expect(refusal('backends.update', { id: 1, health: { path: '/x' } }).message).toBe(
      'Unknown field in health: path. Valid fields: healthCheck, healthMethod, healthPath, healthStatuses, healthBody.',
    );
    expect(refusal('routes.create', { host: 'a.localhost', '': 1 }).message).toMatch(/^Unknown field: ""\./);
  });

  it("wrong types get a sentence, not zod's default text", () => {
    expect(refusal('routes.create', { host: 'a.localhost', settings: { stripPrefix: 3 } })).toEqual({ message: 'settings.stripPrefix must be on or off (true or false).', field: 'settings.stripPrefix' });
    expect(refusal('routes.create', { host: 'a.localhost', path: 5 }).message).toBe('path must be text.');
    expect(refusal('routes.create', { host: 'a.localhost', settings: { hashKey: { source: 'query' } } }).message).toBe('settings.hashKey.source must be one of: path, header, cookie.');
    expect(refusal('routes.create', 5).message).toBe('The input must be an object of named fields.');
    expect(refusal('routes.delete', {}).message).toBe('id is required.');
  });
});
