import { describe, expect, it } from 'vitest';
import { maxPeekBytes, maxRecordLength, parseClientHello, type ClientHelloResult } from '../../src/main/core/engine/l4/client-hello';
import { capturedHellos, helloBytes } from '../helpers/client-hellos';

// The ClientHello parser on hellos real clients sent (captured into
// client-hellos.ts), on those hellos cut, re-split into records and mutated,
// and on hand-made hellos that break one rule each.

const expectedNames: Record<keyof typeof capturedHellos, string | undefined> = {
  nodeDb: 'db.localhost',
  nodeNoSni: undefined,
  opensslWeb: 'web.localhost',
  opensslNoSni: undefined,
  opensslTls12: 'api.db.localhost',
  opensslFragments: 'web.localhost',
};

/** The handshake bytes carried by a run of handshake records. */
function handshakeOf(records: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < records.length; ) {
    const length = records.readUInt16BE(at + 3);
    parts.push(records.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return Buffer.concat(parts);
}

/** Handshake bytes in records of at most `size` bytes each. */
function inRecords(handshake: Buffer, size: number): Buffer {
  const records: Buffer[] = [];
  for (let at = 0; at < handshake.length; at += size) {
    const fragment = handshake.subarray(at, at + size);
    records.push(Buffer.from([22, 3, 1, fragment.length >> 8, fragment.length & 0xff]), fragment);
  }
  return Buffer.concat(records);
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const vector16 = (body: Buffer) => Buffer.concat([u16(body.length), body]);

/** A server_name extension's data with these host names (type 0). */
const sniData = (...names: string[]) => vector16(Buffer.concat(names.map((name) => Buffer.concat([Buffer.from([0]), vector16(Buffer.from(name, 'latin1'))]))));

/** A minimal TLS 1.2-shaped ClientHello in one record; `extensions` undefined leaves the block out. */
function makeHello(extensions: Array<[number, Buffer]> | undefined, tamper: (body: Buffer) => Buffer = (b) => b): Buffer {
  const fixed = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), vector16(Buffer.from([0x13, 0x01])), Buffer.from([1, 0])]);
  const block = extensions === undefined ? Buffer.alloc(0) : vector16(Buffer.concat(extensions.map(([type, data]) => Buffer.concat([u16(type), vector16(data)]))));
  const body = tamper(Buffer.concat([fixed, block]));
  const message = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return inRecords(message, maxRecordLength);
}

const validKinds = new Set(['incomplete', 'hello', 'not-tls', 'invalid']);

/** What every answer must be, whatever the input: one of the four, and "incomplete" only asks for more than it has, within the bound. */
function wellFormed(input: Uint8Array, result: ClientHelloResult): boolean {
  if (!validKinds.has(result.kind)) return false;
  if (result.kind === 'incomplete') return result.needBytes > input.length && result.needBytes <= maxPeekBytes;
  if (result.kind === 'not-tls' || result.kind === 'invalid') return result.reason.length > 0;
  return result.serverName === undefined || /^[a-z0-9_.-]{1,253}$/.test(result.serverName);
}

describe('parseClientHello on real clients\' hellos', () => {
  for (const [client, hex] of Object.entries(capturedHellos)) {
    const bytes = helloBytes(hex);
    const expected = expectedNames[client as keyof typeof capturedHellos];

    it(`${client}: reads ${expected ?? 'no name'}`, () => {
      expect(parseClientHello(bytes)).toEqual({ kind: 'hello', serverName: expected });
    });

    it(`${client}: every prefix is incomplete and asks for no more than the hello`, () => {
      for (let length = 0; length < bytes.length; length++) {
        const result = parseClientHello(bytes.subarray(0, length));
        expect(result.kind, `prefix of ${length} bytes`).toBe('incomplete');
        if (result.kind === 'incomplete') expect(result.needBytes).toBeGreaterThan(length);
        if (result.kind === 'incomplete') expect(result.needBytes).toBeLessThanOrEqual(bytes.length);
      }
    });

    it(`${client}: the same hello split over records of any size reads the same`, () => {
      const handshake = handshakeOf(bytes);
      for (const size of [1, 2, 3, 4, 5, 7, 64, 200, handshake.length]) {
        expect(parseClientHello(inRecords(handshake, size)), `records of ${size}`).toEqual({ kind: 'hello', serverName: expected });
      }
    });
  }

  it('bytes after the hello (early data, a pipelined record) do not change the answer', () => {
    const bytes = Buffer.concat([helloBytes(capturedHellos.nodeDb), Buffer.from([23, 3, 3, 0, 2, 1, 2])]);
    expect(parseClientHello(bytes)).toEqual({ kind: 'hello', serverName: 'db.localhost' });
  });
});

describe('parseClientHello on what is not a readable hello', () => {
  const cases: Array<[string, Buffer, ClientHelloResult['kind'], RegExp]> = [
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\nHost: db.localhost\r\n\r\n'), 'not-tls', /first byte is 71/],
    // An SSLv2-compatible CLIENT-HELLO as old clients sent it: 2-byte length with the top bit set, type 1, version 3.1.
    ['an SSLv2 hello', Buffer.from('802e0103010015000000100100800300800700c006004000400200800000040000ff', 'hex'), 'not-tls', /SSLv2/],
    ['record version 2.0', Buffer.from([22, 2, 0, 0, 4, 1, 0, 0, 0]), 'not-tls', /version 2\.0/],
    ['an empty handshake record', Buffer.from([22, 3, 1, 0, 0]), 'invalid', /empty handshake record/],
    ['a record longer than TLS allows', Buffer.from([22, 3, 1, 0x40, 0x01]), 'invalid', /16385 bytes/],
    ['a ServerHello first', inRecords(Buffer.from([2, 0, 0, 1, 0]), 100), 'invalid', /type 2/],
    ['a hello that claims 16 MiB', Buffer.from([22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff]), 'invalid', /16777219 bytes/],
    ['an alert before the hello ends', Buffer.concat([inRecords(Buffer.from([1, 0, 0, 60, 3, 3]), 100), Buffer.from([21, 3, 3, 0, 2, 2, 40])]), 'invalid', /type 21/],
    ['fixed fields cut short', makeHello(undefined, (body) => body.subarray(0, 20)), 'invalid', /fixed fields/],
    ['an extension longer than the block', makeHello([[0, sniData('db.localhost')]], (body) => Buffer.concat([body.subarray(0, body.length - 2)])), 'invalid', /extensions block|past the end/],
    ['an extensions block shorter than the hello', makeHello([[5, Buffer.alloc(0)]], (body) => Buffer.concat([body, Buffer.from([0])])), 'invalid', /extensions block/],
    ['a server name past its list', makeHello([[0, Buffer.concat([u16(5), Buffer.from([0, 0, 9, 0x61, 0x62])])]]), 'invalid', /past the end of its list/],
    ['two server_name extensions', makeHello([[0, sniData('a.localhost')], [0, sniData('b.localhost')]]), 'invalid', /two server_name/],
    ['two host names', makeHello([[0, sniData('a.localhost', 'b.localhost')]]), 'invalid', /two host names/],
    ['an empty host name', makeHello([[0, sniData('')]]), 'invalid', /0 bytes/],
    ['a host name with a space', makeHello([[0, sniData('db localhost')]]), 'invalid', /not a DNS host name/],
    ['a host name with a NUL', makeHello([[0, sniData('db.localhost\u0000.evil')]]), 'invalid', /not a DNS host name/],
    ['a 300-byte host name', makeHello([[0, sniData(`${'a.'.repeat(149)}aa`)]]), 'invalid', /300 bytes/],
  ];
  for (const [what, bytes, kind, reason] of cases) {
    it(`${what}: ${kind}`, () => {
      const result = parseClientHello(bytes);
      expect(result.kind).toBe(kind);
      if (result.kind === 'not-tls' || result.kind === 'invalid') expect(result.reason).toMatch(reason);
    });
  }

  it('reads a hello without extensions, or with other extensions only, as naming no server', () => {
    expect(parseClientHello(makeHello(undefined))).toEqual({ kind: 'hello', serverName: undefined });
    expect(parseClientHello(makeHello([[16, Buffer.from([0, 3, 2, 0x68, 0x32])]]))).toEqual({ kind: 'hello', serverName: undefined });
  });

  it('lower-cases the name and drops a trailing dot; skips name types other than host_name', () => {
    expect(parseClientHello(makeHello([[0, sniData('DB.LocalHost.')]]))).toEqual({ kind: 'hello', serverName: 'db.localhost' });
    const otherType = vector16(Buffer.concat([Buffer.from([1]), vector16(Buffer.from('x')), Buffer.from([0]), vector16(Buffer.from('db.localhost'))]));
    expect(parseClientHello(makeHello([[0, otherType]]))).toEqual({ kind: 'hello', serverName: 'db.localhost' });
  });

  it('asks for no more than one full record and its header', () => {
    const full = parseClientHello(Buffer.from([22, 3, 1, 0x40, 0x00]));
    expect(full).toEqual({ kind: 'incomplete', needBytes: maxPeekBytes });
    // A hello split into tiny records needs more record headers than the bound holds.
    const tiny = inRecords(Buffer.concat([Buffer.from([1, 0, 0x30, 0]), Buffer.alloc(0x3000)]), 2);
    expect(parseClientHello(tiny.subarray(0, maxPeekBytes)).kind).toBe('invalid');
  });
});

describe('parseClientHello on fuzzed bytes', () => {
  /** A small seeded generator (mulberry32), so a failure names a case that can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
  }

  it('gives a well-formed answer to 20,000 mutated hellos and random strings, quickly', () => {
    const next = random(13);
    const hellos = Object.values(capturedHellos).map(helloBytes);
    const started = performance.now();
    for (let round = 0; round < 20_000; round++) {
      const base = hellos[round % hellos.length]!;
      let input: Buffer;
      const shape = round % 4;
      if (shape === 0) {
        input = Buffer.from(base);
        for (let flips = 1 + Math.floor(next() * 4); flips > 0; flips--) input[Math.floor(next() * input.length)] = Math.floor(next() * 256);
      } else if (shape === 1) {
        // Lengths are where parsers break: overwrite a 16-bit field somewhere with an extreme value.
        input = Buffer.from(base);
        const at = Math.floor(next() * (input.length - 1));
        input.writeUInt16BE([0, 1, 0xffff, 0x4000, 0x4001][Math.floor(next() * 5)]!, at);
      } else if (shape === 2) {
        input = Buffer.concat([base.subarray(0, Math.floor(next() * base.length)), Buffer.from(Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)))]);
      } else {
        input = Buffer.from(Array.from({ length: Math.floor(next() * 600) }, () => Math.floor(next() * 256)));
        if (next() < 0.5 && input.length > 2) input.set([22, 3], 0);
      }
      let result: ClientHelloResult;
      try {
        result = parseClientHello(input);
      } catch (error) {
        throw new Error(`round ${round} threw on ${input.toString('hex')}`, { cause: error });
      }
      if (!wellFormed(input, result)) throw new Error(`round ${round}: ${JSON.stringify(result)} for ${input.toString('hex')}`);
    }
    // Each parse walks at most maxPeekBytes; 20,000 of them take well under a second even on a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
