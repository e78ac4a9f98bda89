import { describe, expect, it } from 'vitest';
import { parseRequestHead, parseResponseHead } from '../../src/main/core/engine/http/http1/head-parser';

// The parser scans characters against a class table; these regular
// expressions are the grammar it replaced (RFC 9112's request line, status
// line and field line, with llhttp's strictness), kept here as the reference
// it must agree with on every generated head: the same verdict, status code
// and fields.
const requestLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e\x80-\xff]+) HTTP\/(\d)\.(\d)$/;
const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
// eslint-disable-next-line no-control-regex
const headerLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*([^\x00-\x08\x0a-\x1f\x7f]*?)[\t ]*$/;

type Verdict = { status: number } | { start: string[]; raw: string[] };

function referenceLines(lines: string[]): Verdict {
  const raw: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const match = headerLine.exec(line);
    if (!match) return { status: 400 };
    const lower = match[1]!.toLowerCase();
    if (lower === 'transfer-encoding' && line.includes('\t')) return { status: 400 };
    if (seen.has(lower) && (lower === 'host' || lower === 'content-length')) return { status: 400 };
    seen.add(lower);
    raw.push(match[1]!, match[2]!);
  }
  return { start: [], raw };
}

function referenceRequest(text: string): Verdict {
  const lines = text.split('\r\n');
  const first = requestLine.exec(lines[0]!);
  if (!first) return { status: 400 };
  if (first[3] !== '1' || (first[4] !== '0' && first[4] !== '1')) return { status: 505 };
  const rest = referenceLines(lines.slice(1));
  if ('status' in rest) return rest;
  if (first[4] === '1' && !rest.raw.some((_, i) => i % 2 === 0 && rest.raw[i]!.toLowerCase() === 'host')) return { status: 400 };
  return { start: [first[1]!, first[2]!, first[4]], raw: rest.raw };
}

function referenceResponse(text: string): Verdict {
  const lines = text.split('\r\n');
  const first = statusLine.exec(lines[0]!);
  if (!first) return { status: 400 };
  const rest = referenceLines(lines.slice(1));
  if ('status' in rest) return rest;
  return { start: [first[1]!, first[2]!, first[3] ?? ''], raw: rest.raw };
}

function ours(text: string, kind: 'request' | 'response'): Verdict {
  const buf = Buffer.from(`${text}\r\n\r\n`, 'latin1');
  const parsed = kind === 'request' ? parseRequestHead(buf, 1 << 20) : parseResponseHead(buf, 1 << 20);
  if (parsed === undefined) throw new Error(`incomplete: ${JSON.stringify(text)}`);
  if ('error' in parsed) return { status: parsed.error.status };
  const head = parsed.head;
  const start = 'method' in head ? [head.method, head.target, String(head.minor)] : [String(head.minor), String(head.status).padStart(3, '0'), head.reason];
  return { start, raw: head.rawHeaders };
}

// Deterministic pseudo-random choices, so a failure names a reproducible case.
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

// Pieces chosen to sit on every boundary of the grammar: separators, the
// controls it refuses or allows (HTAB), DEL, obs-text, CR and LF alone.
const pieces = ['a', 'Z', '0', '-', '!', '~', ' ', '  ', '\t', ':', '/', '.', '"', '(', '@', '\x00', '\x01', '\x7f', '\x80', '\xff', '\r', '\n', '\r\n', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/11', '200', '2000', '20', 'OK'];
const headerPieces = ['Host', 'host', 'Content-Length', 'Transfer-Encoding', 'Cookie', 'X-A', ': ', ':', ' :', ':\t', 'v', ' v ', '\tv\t', 'a b', '\x00', '\x7f', '\x80', '\r', '\n', ' ', '\t', '5'];

function generate(random: () => number, from: string[], count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += from[Math.floor(random() * from.length)];
  return out;
}

/** A head that is mostly well formed, with random damage, so both verdicts are common. */
function generateHead(random: () => number, kind: 'request' | 'response'): string {
  const start =
    random() < 0.5
      ? kind === 'request'
        ? `GET ${random() < 0.5 ? '/x' : generate(random, pieces, 2)} HTTP/1.${random() < 0.8 ? '1' : generate(random, pieces, 1)}`
        : `HTTP/1.${random() < 0.8 ? '1' : '0'} ${random() < 0.8 ? '200' : generate(random, pieces, 1)}${random() < 0.5 ? ' OK' : generate(random, pieces, 2)}`
      : generate(random, pieces, 1 + Math.floor(random() * 6));
  // Most requests carry a valid Host, so that the rest of the head decides the verdict.
  const lines = kind === 'request' && random() < 0.6 ? [start, 'Host: x'] : [start];
  const count = Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const name = generate(random, ['Host', 'X-Y', 'Transfer-Encoding', 'Content-Length'], 1);
    lines.push(random() < 0.5 ? `${name}:${generate(random, ['', ' ', '\t'], 1)}${generate(random, ['v', ' ', '\t', 'w'], 3)}` : generate(random, headerPieces, 1 + Math.floor(random() * 5)));
  }
  // The head ends at the first blank line, which the generator must not put inside.
  return lines.join('\r\n').replace(/(\r\n)+$/, '').replace(/\r\n\r\n/g, '\r\nX: y\r\n');
}

describe('the head parser agrees with the regular-expression grammar it replaced', () => {
  for (const kind of ['request', 'response'] as const) {
    it(`on 20,000 generated ${kind} heads`, () => {
      const random = rng(kind === 'request' ? 11 : 12);
      let accepted = 0;
      for (let i = 0; i < 20_000; i++) {
        const text = generateHead(random, kind);
        if (text === '' || text.startsWith('\r\n')) continue; // the request parser skips leading blank lines; the reference does not
        const expected = kind === 'request' ? referenceRequest(text) : referenceResponse(text);
        const got = ours(text, kind);
        if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ text, got }).toEqual({ text, got: expected });
        if (!('status' in got)) accepted++;
      }
      // Both verdicts were exercised in numbers.
      expect(accepted).toBeGreaterThan(500);
      expect(accepted).toBeLessThan(19_500);
    });
  }
});
