import net, { type AddressInfo, isIPv4, isIPv6 } from 'node:net';

// A strict reader of PROXY protocol headers, written from the spec
// (https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt) and not from
// the code that writes them, and a backend that reads one per connection.

export interface ProxyHeader {
  version: 1 | 2;
  /** v1 TCP4/TCP6/UNKNOWN; v2 the family byte's meaning. */
  protocol: 'TCP4' | 'TCP6' | 'UNKNOWN';
  /** v2 only: PROXY or LOCAL. */
  command: 'PROXY' | 'LOCAL';
  source?: string;
  destination?: string;
  sourcePort?: number;
  destinationPort?: number;
  /** Bytes the header took. */
  length: number;
}

const v2Signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
/** Spec §2.1: a v1 line is at most 107 bytes, CRLF included. */
const v1MaxLength = 107;
const port = /^(?:0|[1-9]\d{0,4})$/;

/** The header at the start of `bytes`; undefined while more bytes are needed; throws on anything the spec does not allow. */
export function readProxyHeader(bytes: Buffer): ProxyHeader | undefined {
  if (bytes.length === 0) return undefined;
  if (bytes[0] === 0x0d) return readV2(bytes);
  if (bytes[0] === 0x50) return readV1(bytes);
  throw new Error(`no PROXY header: starts with byte ${bytes[0]}`);
}

function readV1(bytes: Buffer): ProxyHeader | undefined {
  const end = bytes.indexOf('\r\n');
  if (end < 0) {
    if (bytes.length >= v1MaxLength) throw new Error('v1 line longer than 107 bytes');
    return undefined;
  }
  if (end + 2 > v1MaxLength) throw new Error('v1 line longer than 107 bytes');
  const line = bytes.subarray(0, end).toString('latin1');
  if (line === 'PROXY UNKNOWN') return { version: 1, protocol: 'UNKNOWN', command: 'PROXY', length: end + 2 };
  const fields = line.split(' ');
  if (fields.length !== 6 || fields[0] !== 'PROXY') throw new Error(`v1 line is not "PROXY proto src dst sport dport": ${JSON.stringify(line)}`);
  const [, protocol, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  if (protocol !== 'TCP4' && protocol !== 'TCP6') throw new Error(`v1 protocol ${protocol}`);
  const valid = protocol === 'TCP4' ? isIPv4 : isIPv6;
  if (!valid(source) || !valid(destination)) throw new Error(`v1 addresses ${source} ${destination} are not ${protocol}`);
  for (const text of [sourcePort, destinationPort]) if (!port.test(text) || Number(text) > 65535) throw new Error(`v1 port ${text}`);
  return { version: 1, protocol, command: 'PROXY', source, destination, sourcePort: Number(sourcePort), destinationPort: Number(destinationPort), length: end + 2 };
}

function readV2(bytes: Buffer): ProxyHeader | undefined {
  if (bytes.length < 16) return undefined;
  if (!bytes.subarray(0, 12).equals(v2Signature)) throw new Error('v2 signature');
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) throw new Error(`v2 version ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command > 1) throw new Error(`v2 command ${command}`);
  const family = bytes[13]!;
  const length = bytes.readUInt16BE(14);
  if (bytes.length < 16 + length) return undefined;
  const body = bytes.subarray(16, 16 + length);
  const base = { version: 2 as const, command: command === 1 ? ('PROXY' as const) : ('LOCAL' as const), length: 16 + length };
  if (family === 0x00) return { ...base, protocol: 'UNKNOWN' };
  if (family === 0x11) {
    if (length < 12) throw new Error(`v2 TCP over IPv4 with ${length} address bytes`);
    return { ...base, protocol: 'TCP4', source: [...body.subarray(0, 4)].join('.'), destination: [...body.subarray(4, 8)].join('.'), sourcePort: body.readUInt16BE(8), destinationPort: body.readUInt16BE(10) };
  }
  if (family === 0x21) {
    if (length < 36) throw new Error(`v2 TCP over IPv6 with ${length} address bytes`);
    return { ...base, protocol: 'TCP6', source: ipv6Text(body.subarray(0, 16)), destination: ipv6Text(body.subarray(16, 32)), sourcePort: body.readUInt16BE(32), destinationPort: body.readUInt16BE(34) };
  }
  throw new Error(`v2 family and transport 0x${family.toString(16)}`);
}

/** RFC 5952's text through the URL parser, which writes it canonically. */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export interface ProxiedConnection {
  header: ProxyHeader | undefined;
  /** What followed the header (or everything, when there was none). */
  rest: Buffer;
  /** Why the header was refused, if it was. */
  error?: string;
  closed: boolean;
}

/**
 * A backend that reads a PROXY header first on every connection, then keeps
 * what follows; `answer` may reply once the header is read (as a real peer
 * would only then). Connections without any byte (health checks) are kept too.
 */
export async function proxyProtocolBackend(host = '127.0.0.1', answer?: (socket: net.Socket, header: ProxyHeader, rest: Buffer) => void): Promise<{ url: string; connections: ProxiedConnection[]; close(): Promise<void> }> {
  const connections: ProxiedConnection[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const connection: ProxiedConnection = { header: undefined, rest: Buffer.alloc(0), closed: false };
    connections.push(connection);
    open.add(socket);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      if (connection.header) {
        connection.rest = Buffer.concat([connection.rest, chunk]);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const header = readProxyHeader(buffered);
        if (!header) return;
        connection.header = header;
        connection.rest = buffered.subarray(header.length);
        if (answer) {
          socket.off('data', onData);
          answer(socket, header, connection.rest);
        }
      } catch (error) {
        connection.error = (error as Error).message;
        connection.rest = buffered;
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.on('close', () => {
      connection.closed = true;
      open.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `tcp://${host.includes(':') ? `[${host}]` : host}:${listening}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whether this machine has ::1 to listen on (some containers have no IPv6 at all). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}
