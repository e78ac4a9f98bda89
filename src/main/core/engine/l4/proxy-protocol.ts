import { isIPv4, isIPv6 } from 'node:net';

// The PROXY protocol header a TCP or TLS route writes to its backend before
// any client byte (HAProxy's `send-proxy` and `send-proxy-v2`), so the
// backend sees the real client instead of Switchyard. Per the spec,
// https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt: v1 is one
// text line, v2 a binary block; both carry the client's address and port as
// the source and the address and port it connected to as the destination.

export type ProxyProtocolVersion = 'v1' | 'v2';

export interface ConnectionAddresses {
  /** The client's address and port (the connection's remote end). */
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
  /** Where the client connected: the route's listen address and port (the connection's local end). */
  destinationAddress: string | undefined;
  destinationPort: number | undefined;
}

const ipv4MappedPrefix = '::ffff:';
/** v2's fixed 12-byte signature (spec §2.2). */
const v2Signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Version 2 in the high nibble, command PROXY (1) in the low one. */
const v2VersionProxy = 0x21;
/** Address family in the high nibble, transport (STREAM = 1) in the low one. */
const v2TcpOverIpv4 = 0x11;
const v2TcpOverIpv6 = 0x21;
const v2Unspecified = 0x00;

interface Endpoints {
  family: 4 | 6;
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
}

/**
 * Both ends in one family, as the spec requires: IPv4 clients of a dual-stack
 * socket arrive as ::ffff:a.b.c.d and are sent as TCP4 when both ends are
 * IPv4 (what HAProxy does with v4-mapped addresses); undefined when an end is
 * unknown (a socket already closed), which each version has a form for.
 */
function endpointsOf(addresses: ConnectionAddresses): Endpoints | undefined {
  const { sourceAddress, destinationAddress, sourcePort, destinationPort } = addresses;
  if (sourceAddress === undefined || destinationAddress === undefined || sourcePort === undefined || destinationPort === undefined) return undefined;
  const unmapped = (address: string) => (address.toLowerCase().startsWith(ipv4MappedPrefix) && isIPv4(address.slice(ipv4MappedPrefix.length)) ? address.slice(ipv4MappedPrefix.length) : address);
  const source = unmapped(sourceAddress);
  const destination = unmapped(destinationAddress);
  if (isIPv4(source) && isIPv4(destination)) return { family: 4, source, destination, sourcePort, destinationPort };
  const asIpv6 = (address: string) => (isIPv4(address) ? `${ipv4MappedPrefix}${address}` : address);
  if (!isIPv6(asIpv6(source)) || !isIPv6(asIpv6(destination))) return undefined;
  return { family: 6, source: asIpv6(source), destination: asIpv6(destination), sourcePort, destinationPort };
}

/** The header to write first on a connection to a backend. */
export function proxyProtocolHeader(version: ProxyProtocolVersion, addresses: ConnectionAddresses): Buffer {
  const endpoints = endpointsOf(addresses);
  return version === 'v1' ? v1Header(endpoints) : v2Header(endpoints);
}

/** "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n" (spec §2.1); UNKNOWN when the ends are not known. */
function v1Header(endpoints: Endpoints | undefined): Buffer {
  if (!endpoints) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const { family, source, destination, sourcePort, destinationPort } = endpoints;
  return Buffer.from(`PROXY TCP${family} ${source} ${destination} ${sourcePort} ${destinationPort}\r\n`, 'latin1');
}

/** Signature, version and command, family and transport, length, then the addresses and ports (spec §2.2); no TLVs. */
function v2Header(endpoints: Endpoints | undefined): Buffer {
  if (!endpoints) return Buffer.concat([v2Signature, Buffer.from([v2VersionProxy, v2Unspecified, 0, 0])]);
  const { family, source, destination, sourcePort, destinationPort } = endpoints;
  const toBytes = family === 4 ? ipv4Bytes : ipv6Bytes;
  const body = Buffer.concat([toBytes(source), toBytes(destination), Buffer.from([sourcePort >> 8, sourcePort & 0xff, destinationPort >> 8, destinationPort & 0xff])]);
  return Buffer.concat([v2Signature, Buffer.from([v2VersionProxy, family === 4 ? v2TcpOverIpv4 : v2TcpOverIpv6, body.length >> 8, body.length & 0xff]), body]);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in any valid spelling (`::1`, `::ffff:127.0.0.1`, a zone id dropped). */
export function ipv6Bytes(address: string): Buffer {
  const [text = ''] = address.split('%');
  const out = Buffer.alloc(16);
  // An embedded IPv4 tail is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const groupsText = tail ? `${text.slice(0, tail.index)}${ipv4Bytes(tail[1]!).readUInt16BE(0).toString(16)}:${ipv4Bytes(tail[1]!).readUInt16BE(2).toString(16)}` : text;
  const [head = '', rest] = groupsText.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  all.forEach((group, index) => out.writeUInt16BE(group, index * 2));
  return out;
}
