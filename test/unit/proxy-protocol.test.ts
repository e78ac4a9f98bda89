import { describe, expect, it } from 'vitest';
import { ipv6Bytes, proxyProtocolHeader } from '../../src/main/core/engine/l4/proxy-protocol';

// The PROXY protocol headers a route writes to its backends, byte for byte
// against the examples and layout of
// https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt (HAProxy itself
// checks them end to end in test/integration/proxy-protocol-haproxy.test.ts).

const v4 = { sourceAddress: '192.0.2.1', sourcePort: 56324, destinationAddress: '198.51.100.1', destinationPort: 443 };
const v6 = { sourceAddress: '2001:db8::1', sourcePort: 56324, destinationAddress: '::1', destinationPort: 8443 };
const unknown = { sourceAddress: undefined, sourcePort: undefined, destinationAddress: undefined, destinationPort: undefined };
const signature = '0d0a0d0a000d0a515549540a';

describe('PROXY protocol v1', () => {
  it('writes TCP4 and TCP6 lines as the spec shows them', () => {
    expect(proxyProtocolHeader('v1', v4).toString('latin1')).toBe('PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n');
    expect(proxyProtocolHeader('v1', v6).toString('latin1')).toBe('PROXY TCP6 2001:db8::1 ::1 56324 8443\r\n');
  });

  it('sends an IPv4 client of a dual-stack socket as TCP4, and mixed ends as TCP6', () => {
    const mapped = { ...v4, sourceAddress: '::ffff:192.0.2.1', destinationAddress: '::FFFF:198.51.100.1' };
    expect(proxyProtocolHeader('v1', mapped).toString('latin1')).toBe('PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n');
    expect(proxyProtocolHeader('v1', { ...v6, sourceAddress: '192.0.2.1' }).toString('latin1')).toBe('PROXY TCP6 ::ffff:192.0.2.1 ::1 56324 8443\r\n');
  });

  it('says UNKNOWN when the ends are not known', () => {
    expect(proxyProtocolHeader('v1', unknown).toString('latin1')).toBe('PROXY UNKNOWN\r\n');
  });
});

describe('PROXY protocol v2', () => {
  it('writes the signature, PROXY over TCP/IPv4, 12 address bytes', () => {
    const header = proxyProtocolHeader('v2', v4).toString('hex');
    expect(header).toBe(`${signature}2111000c` + 'c0000201' + 'c6336401' + 'dc04' + '01bb');
  });

  it('writes PROXY over TCP/IPv6 with 36 address bytes', () => {
    const header = proxyProtocolHeader('v2', v6).toString('hex');
    expect(header).toBe(`${signature}21210024` + '20010db8000000000000000000000001' + '00000000000000000000000000000001' + 'dc04' + '20fb');
  });

  it('says AF_UNSPEC with no addresses when the ends are not known', () => {
    expect(proxyProtocolHeader('v2', unknown).toString('hex')).toBe(`${signature}21000000`);
  });
});

describe('ipv6Bytes', () => {
  it('reads every spelling of an address', () => {
    expect(ipv6Bytes('::').toString('hex')).toBe('0'.repeat(32));
    expect(ipv6Bytes('fe80::1%eth0').toString('hex')).toBe('fe800000000000000000000000000001');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).toBe('00010002000300040005000600070008');
    expect(ipv6Bytes('1::').toString('hex')).toBe('00010000000000000000000000000000');
    expect(ipv6Bytes('::ffff:127.0.0.1').toString('hex')).toBe('00000000000000000000ffff7f000001');
    expect(ipv6Bytes('64:ff9b::192.0.2.33').toString('hex')).toBe('0064ff9b0000000000000000c0000221');
  });
});
