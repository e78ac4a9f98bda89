import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonWithPositions } from '../../src/shared/json-positions';
import { parseProjectFile } from '../../src/main/core/project/project-file';
import { SwitchyardError } from '../../src/shared/errors';

function refusal(text: string): SwitchyardError {
  try {
    parseProjectFile(text);
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

const file = (routes: string) => `{
  "version": 1,
  "routes": [
${routes}
  ]
}
`;

describe('parseJsonWithPositions', () => {
  it('reads what JSON.parse reads', () => {
    for (const text of ['{}', '[]', '0', '-1.5e3', '"a\\u00e9\\n"', '{"a":[1,{"b":null}],"c":true}', ' \n{"x" : false }\n', '\ufeff{"a":1}']) {
      const parsed = parseJsonWithPositions(text);
      expect(parsed.ok).toBe(true);
      expect(parsed.ok && parsed.value).toEqual(JSON.parse(text.replace(/^\ufeff/, '')));
    }
  });

  it('refuses what JSON.parse refuses, with a line and column', () => {
    const cases: [string, number, number][] = [
      ['{"a":1,}', 1, 8],
      ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
      ['[1,]', 1, 4],
      ["{'a':1}", 1, 2],
      ['{"a":01}', 1, 7],
      ['{"a":"x', 1, 8],
      ['{"a":1}{}', 1, 8],
      ['', 1, 1],
      ['{"a":1,"a":2}', 1, 8],
    ];
    for (const [text, line, column] of cases) {
      const parsed = parseJsonWithPositions(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect([text, parsed.position]).toEqual([text, { line, column }]);
    }
  });

  it('agrees with JSON.parse on generated documents and on arbitrary text (differential)', () => {
    const seed = 20_261_201;
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const parsed = parseJsonWithPositions(text);
        expect(parsed.ok).toBe(true);
        expect(parsed.ok && parsed.value).toEqual(JSON.parse(text));
      }),
      { seed, numRuns: 500 },
    );
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]:,"\\ \n0123456789.eE+-truefalsnu'.split('')), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.string()), (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        const parsed = parseJsonWithPositions(text);
        // A duplicate key is the one thing refused on purpose that JSON.parse takes (its last value wins).
        if (!parsed.ok && parsed.message.includes('appears twice')) return;
        expect([text, parsed.ok]).toEqual([text, valid]);
        if (parsed.ok) expect(parsed.value).toEqual(expected);
      }),
      { seed, numRuns: 3000 },
    );
  });

  it('knows where each value and key starts', () => {
    const parsed = parseJsonWithPositions('{\n  "routes": [\n    { "host": 3 }\n  ]\n}');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.positionOf(['routes', 0, 'host'])).toEqual({ line: 3, column: 7 });
    expect(parsed.positionOf(['routes', 0])).toEqual({ line: 3, column: 5 });
    // A field the file lacks is reported where its object is.
    expect(parsed.positionOf(['routes', 0, 'backends', 2])).toEqual({ line: 3, column: 5 });
  });
});

describe('parseProjectFile', () => {
  it('accepts a file and normalises it as routes.create does', () => {
    const parsed = parseProjectFile(file('    { "host": "API.localhost", "path": "api/", "backends": [{ "url": "127.0.0.1:3000" }] }'));
    expect(parsed.routes).toEqual([
      expect.objectContaining({ host: 'api.localhost', path: '/api', algorithm: 'round-robin', settings: {}, backends: [{ url: 'http://127.0.0.1:3000', weight: 1, enabled: true, health: {} }] }),
    ]);
  });

  it('names the JSON path and line:column of a bad value', () => {
    const error = refusal(file('    { "host": "api.localhost",\n      "backends": [{ "url": "http://127.0.0.1" }] }'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.field).toBe('routes.0.backends.0.url');
    expect(error.message).toBe('5:22: routes.0.backends.0.url: Add the port the backend listens on, for example http://127.0.0.1:3000.');
  });

  it('points at an unknown field itself and lists the known ones', () => {
    const error = refusal(file('    { "host": "api.localhost", "setings": {} }'));
    expect(error.message).toMatch(/^4:32: Unknown field in routes\.0: setings\. Valid fields: host, path, algorithm, settings, backends\.$/);
  });

  it('names a missing version and a wrong kind of value', () => {
    expect(refusal('{ "routes": [] }').message).toBe('1:1: version is 1: the only project file format so far.');
    expect(refusal(file('    { "host": "api.localhost", "settings": { "retries": "3" } }')).message).toBe('4:46: routes.0.settings.retries: Retries is a whole number from 0 to 10.');
  });

  it('refuses a route or backend named twice, and a syntax error, with their positions', () => {
    expect(refusal(file('    { "host": "a.localhost" },\n    { "host": "A.localhost." }')).message).toBe('5:5: routes.1: a.localhost is already routes.0; a route appears once (merge their backends).');
    expect(refusal(file('    { "host": "a.localhost", "backends": [{ "url": "http://127.0.0.1:1" }, { "url": "127.0.0.1:1" }] }')).message).toMatch(/^4:78: routes\.0\.backends\.1\.url: http:\/\/127\.0\.0\.1:1 is already backends\.0/);
    expect(refusal('{\n  "version": 1,\n}').message).toBe('3:1: Expected a quoted field name, found "}" (JSON allows no comma before }).');
  });

  it('checks and normalises CA domains as certificates.addDomain does', () => {
    expect(parseProjectFile('{ "version": 1, "certificates": { "domains": ["Dev.Example.COM."] } }').certificates).toEqual({ domains: ['dev.example.com'] });
    expect(refusal('{ "version": 1, "certificates": { "domains": ["ok.example.com", "%7db.test"] } }').message).toBe(
      '1:65: certificates.domains.1: %7db.test is not a domain the local CA can add: give a DNS name of at least two labels without a wildcard, e.g. dev.example.com.',
    );
    expect(refusal('{ "version": 1, "certificates": { "domains": ["a.example.com", "A.example.com."] } }').message).toBe('1:64: certificates.domains.1: a.example.com is listed twice; keep one.');
  });

  it("accepts README's example project file", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const example = /## Project files[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(parseProjectFile(example!).routes.map((route) => route.host)).toEqual(['api.myapp.localhost', 'tcp://127.0.0.1:15432']);
  });
});
