// A strict JSON parser (RFC 8259) that remembers where each value and key
// starts, so an error found later by a schema can name the line and column
// an editor jumps to. JSON.parse keeps no positions, and a project file's
// errors must point into the file. Kept free of zod and Node so the renderer
// can use it for an imported file.

export interface JsonPosition {
  /** 1-based, as editors and compilers print them. */
  line: number;
  column: number;
}

export type JsonPath = readonly PropertyKey[];

export type JsonParseResult =
  | { ok: true; value: unknown; positionOf: (path: JsonPath, key?: string) => JsonPosition }
  | { ok: false; message: string; position: JsonPosition };

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const pathKey = (path: JsonPath) => path.map(String).join('\u0000');
const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Nesting deeper than this is refused rather than overflowing the stack on a hostile file. */
const maxDepth = 256;

function describe(char: string | undefined): string {
  return char === undefined ? 'the end of the file' : `"${char}"`;
}

/** Parses `text`; on success `positionOf` maps a path (and optionally a key of the object there) to where it starts. */
export function parseJsonWithPositions(text: string): JsonParseResult {
  const valueAt = new Map<string, number>();
  const keyAt = new Map<string, number>();
  let i = 0;

  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, i);
  };
  const expect = (char: string, what: string) => {
    if (text[i] !== char) fail(`Expected ${what}, found ${describe(text[i])}.`);
    i++;
  };

  const parseString = (): string => {
    expect('"', 'a quoted string');
    let out = '';
    for (;;) {
      const char = text[i];
      if (char === undefined) fail('This string is not closed: add the missing ".');
      if (char === '"') {
        i++;
        return out;
      }
      if (char! < ' ') fail('A string cannot contain a line break or control character; write it as \\n or \\t.');
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u is followed by four hexadecimal digits.');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (next !== undefined && next in escapes) {
          out += escapes[next];
          i += 2;
        } else fail(`"\\${next ?? ''}" is not a JSON escape; use \\\\ for a backslash.`);
      } else {
        out += char;
        i++;
      }
    }
  };

  const parseValue = (path: PropertyKey[], depth: number): unknown => {
    skipSpace();
    if (depth > maxDepth) fail(`The file nests more than ${maxDepth} levels deep.`);
    valueAt.set(pathKey(path), i);
    const char = text[i];
    if (char === '{') {
      i++;
      const object: Record<string, unknown> = {};
      skipSpace();
      if (text[i] === '}') {
        i++;
        return object;
      }
      for (;;) {
        skipSpace();
        const keyStart = i;
        if (text[i] !== '"') fail(`Expected a quoted field name, found ${describe(text[i])}${text[i] === '}' ? ' (JSON allows no comma before })' : ''}.`);
        const key = parseString();
        if (Object.hasOwn(object, key)) {
          i = keyStart;
          fail(`"${key}" appears twice in the same object; keep one.`);
        }
        keyAt.set(pathKey([...path, key]), keyStart);
        skipSpace();
        expect(':', 'a colon after the field name');
        Object.defineProperty(object, key, { value: parseValue([...path, key], depth + 1), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}', 'a comma or }');
        return object;
      }
    }
    if (char === '[') {
      i++;
      const array: unknown[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return array;
      }
      for (;;) {
        if (text[i] === ']') fail('JSON allows no comma before ].');
        array.push(parseValue([...path, array.length], depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i++;
          skipSpace();
          continue;
        }
        expect(']', 'a comma or ]');
        return array;
      }
    }
    if (char === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    numberPattern.lastIndex = i;
    const number = numberPattern.exec(text);
    if (number) {
      i += number[0].length;
      return Number(number[0]);
    }
    return fail(`Expected a value (text in double quotes, a number, true, false, null, an object or a list), found ${describe(char)}.`);
  };

  const positionAt = (offset: number): JsonPosition => {
    let line = 1;
    let lineStart = 0;
    for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
      line++;
      lineStart = at + 1;
    }
    return { line, column: offset - lineStart + 1 };
  };

  try {
    // A byte order mark is what some Windows editors save first; it is not part of the JSON.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    const value = parseValue([], 0);
    skipSpace();
    if (i < text.length) fail(`Unexpected ${describe(text[i])} after the end of the JSON value.`);
    return {
      ok: true,
      value,
      positionOf: (path, key) => {
        // The deepest part of the path the file has (a missing field is reported where its object starts).
        if (key !== undefined) {
          const at = keyAt.get(pathKey([...path, key]));
          if (at !== undefined) return positionAt(at);
        }
        for (let length = path.length; length >= 0; length--) {
          const at = (length === path.length ? keyAt.get(pathKey(path)) : undefined) ?? valueAt.get(pathKey(path.slice(0, length)));
          if (at !== undefined) return positionAt(at);
        }
        return positionAt(0);
      },
    };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { ok: false, message: error.message, position: positionAt(error.offset) };
  }
}
