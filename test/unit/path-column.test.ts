import { describe, expect, it } from 'vitest';
import { PathColumn } from '../../src/main/core/engine/traffic/path-column';
import { copyLatin1, latin1Text } from '../../src/main/core/engine/traffic/latin1-copy';

describe('path column', () => {
  it('keeps each path with its query redacted, long ones and latin1 ones included', () => {
    const column = new PathColumn(4);
    const long = `/${'a'.repeat(200)}`;
    column.write(0, '/search?q=secret&page=2');
    column.write(1, '/caf\u00e9/men\u00fc');
    column.write(2, `${long}?token=x`);
    column.write(3, `/${'b'.repeat(127)}`);
    expect(column.read(0)).toBe('/search?…');
    expect(column.read(1)).toBe('/caf\u00e9/men\u00fc');
    expect(column.read(2)).toBe(`${long}?…`);
    expect(column.read(3)).toBe(`/${'b'.repeat(127)}`);
    // A slot written again forgets what it held, long or short.
    column.write(2, '/?');
    column.write(3, '*');
    expect([column.read(2), column.read(3)]).toEqual(['/?…', '*']);
  });
});

describe('latin1 copy', () => {
  it('uses Node’s own latin1Write and latin1Slice (a Node without them falls back to Buffer#write and #toString, slower: look before upgrading)', () => {
    expect(typeof (Buffer.prototype as unknown as Record<string, unknown>).latin1Write).toBe('function');
    expect(typeof (Buffer.prototype as unknown as Record<string, unknown>).latin1Slice).toBe('function');
  });

  it('reads bytes back as Buffer#toString does', () => {
    const bytes = Buffer.from('GET /caf\u00e9 HTTP/1.1\r\n\u00ff\u0080', 'latin1');
    for (const [start, end] of [[0, 0], [0, bytes.length], [4, 9], [bytes.length - 2, bytes.length]] as const) {
      expect(latin1Text(bytes, start, end)).toBe(bytes.toString('latin1', start, end));
    }
  });

  it('copies short and long texts byte for byte as Buffer#write does', () => {
    for (const text of ['', '/', 'GET / HTTP/1.1', `X-Pad: ${'\u00ff\u0080z'.repeat(40)}`]) {
      const ours = Buffer.alloc(text.length + 4, 0x2e);
      const node = Buffer.alloc(text.length + 4, 0x2e);
      copyLatin1(ours, text, 2, text.length);
      node.write(text, 2, text.length, 'latin1');
      expect(ours.equals(node)).toBe(true);
    }
  });
});
