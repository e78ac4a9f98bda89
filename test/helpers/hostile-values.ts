import fc from 'fast-check';

/**
 * JSON text sent exactly as written: numbers JSON.stringify cannot produce
 * (`-0`, `1e999`), nesting too deep to build as objects, strings too long to
 * print in a failure report. `label` is what the report shows instead.
 */
export class RawJson {
  constructor(
    readonly json: string,
    readonly label: string,
  ) {}

  [fc.toStringMethod](): string {
    return `RawJson(${this.label})`;
  }
}

/** Ten thousand levels, as the brief asks: deeper than any recursive parser's stack should be trusted with. */
export const deepNesting = 10_000;
/** Strings past 100 KB: far over every length limit, well under the 1 MB body limit. */
const longStringUnits = { min: 100 * 1024, max: 160 * 1024 };

export const deepArray = (depth: number) => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`, `[ × ${depth}`);
export const deepObject = (depth: number) => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `{"a": × ${depth}`);

/** A JSON text for `value`: plain objects (own keys, `__proto__` included), arrays, primitives and RawJson. */
export function toJsonText(value: unknown, resolve: (marker: object) => string | undefined = () => undefined): string {
  if (value instanceof RawJson) return value.json;
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item, resolve)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const resolved = resolve(value);
    if (resolved !== undefined) return resolved;
    const members = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item, resolve)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with these own keys, even `__proto__` (a literal or assignment would set the prototype instead). */
export function objectWith(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Single characters that break naive handling: controls, line breaks, invisible and case-folding traps. */
export const hostileChar = fc.oneof(
  fc.constantFrom('\0', '\r', '\n', '\r\n', '\t', '\v', '\f', '\x1b', '\x7f', ' ', '\u00a0', '\u2028', '\ufeff', '\u200b'),
  fc.constantFrom('%', '%00', '%ZZ', '/', '\\', '?', '#', '@', ':', '*', '.', '..', '"', "'", '<', '`', '$'),
  fc.constantFrom('😀', '\u212a', '\u0130', 'é', 'е', 'ß', '\ud800', '\udfff'),
  loneSurrogate,
);

const longString = fc
  .tuple(fc.constantFrom('a', 'A.', '/', '.', ' ', '\0', '😀', '\ud800', '1', 'a-'), fc.integer(longStringUnits))
  .map(([unit, length]) => {
    const text = unit.repeat(Math.ceil(length / unit.length));
    return new RawJson(JSON.stringify(text), `${JSON.stringify(unit)} × ${Math.ceil(length / unit.length)}`);
  });

export const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '\0', '\r\n', 'a\0b', 'NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10', '1_000', ' 1 '),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'null', 'true', '{}', '[]', "'; DROP TABLE routes; --"),
  fc.constantFrom('\ud800', 'a\udc00b', '😀', '\u212a.localhost', 'xn--bcher-kva.localhost', 'bücher.localhost'),
  fc.string({ unit: anyCodeUnit }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(hostileChar, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
  longString,
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 1.5, -0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 65536, 1001, 1_000_001),
  fc.constantFrom('1e999', '-1e999', '-0', '1e-400', '123456789012345678901234567890', '0.1e1', '1E3').map((text) => new RawJson(text, text)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const protoObject = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.oneof(fc.constant({}), fc.constant({ polluted: true }), fc.constant(null)))
  .map(([key, value]) => objectWith([[key, value]]));

export const hostileStructure = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [1], [null], { a: 1 }, [[]]),
  protoObject,
  fc.constantFrom(deepArray(deepNesting), deepObject(deepNesting), deepArray(100), new RawJson(`[${'null,'.repeat(50_000)}null]`, '[null × 50001]')),
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 4 }),
  fc.dictionary(hostileString.filter((key) => typeof key === 'string'), fc.oneof(hostileString, hostileNumber), { maxKeys: 3 }),
);

/** Anything a field should refuse or at least survive: wrong types, hostile strings, hostile numbers. */
export const hostileValue = fc.oneof(hostileString, hostileNumber, hostileStructure);

/** Keys that are not part of any command, including those that poison prototypes. */
export const unknownKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isAdmin', 'ID', 'Host', ''),
  fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 12 }),
);
