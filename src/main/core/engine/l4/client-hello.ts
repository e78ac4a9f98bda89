// The server name a TLS client asks for, read from its ClientHello without
// terminating TLS (nginx's ssl_preread, HAProxy's req.ssl_sni). A pure
// function over the bytes received so far: the listener calls it again as
// more arrive, and every input, however hostile, gets one of four answers.
//
// Record layer (RFC 8446 §5.1): type 22 (handshake), version 3.x, a 16-bit
// length of at most 2^14. The ClientHello handshake message (§4.1.2) may be
// split over several records, each of which may arrive in pieces.

/** TLS record header: content type, legacy version, length. */
const recordHeaderLength = 5;
/** Handshake message header: type and a 24-bit length. */
const handshakeHeaderLength = 4;
const handshakeContentType = 22;
const clientHelloType = 1;
const serverNameExtension = 0;
const hostNameType = 0;
/** The largest record plaintext (RFC 8446 §5.1); a longer record is not TLS we can read. */
export const maxRecordLength = 2 ** 14;
/**
 * The most bytes read while looking for the hello: one full-size record and
 * its header. nginx's ssl_preread reads into preread_buffer_size (16k) and
 * gives up when it fills; every hello real clients send fits many times over
 * (about 2 KB with post-quantum key shares), and each waiting connection
 * costs at most this much.
 */
export const maxPeekBytes = maxRecordLength + recordHeaderLength;
/** A DNS name is at most 253 characters; RFC 6066 allows 2^16−1 bytes, none of which would name a route. */
const maxServerNameLength = 253;
/** RFC 6066 §3: "HostName" is ASCII; what a DNS name may hold, underscores included (as browsers send them). */
const hostNameBytes = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

export type ClientHelloResult =
  /** Not enough bytes yet: call again once at least `needBytes` have arrived. */
  | { kind: 'incomplete'; needBytes: number }
  /** A whole ClientHello; `serverName` is its SNI host name, lower case, or undefined when it names none. */
  | { kind: 'hello'; serverName: string | undefined }
  /** Not a TLS 1.0+ handshake at all (plain text, an SSLv2 hello): there is no name to read. */
  | { kind: 'not-tls'; reason: string }
  /** TLS that breaks its own rules or our bounds; the name cannot be trusted. */
  | { kind: 'invalid'; reason: string };

/** The server name in `bytes`, the first bytes a client sent (see ClientHelloResult). */
export function parseClientHello(bytes: Uint8Array): ClientHelloResult {
  const message = handshakeMessage(bytes);
  if (!(message instanceof Uint8Array)) return message;
  return serverNameOf(message);
}

/** The ClientHello handshake message's body, gathered from as many records as it spans. */
function handshakeMessage(bytes: Uint8Array): Uint8Array | Exclude<ClientHelloResult, { kind: 'hello' }> {
  const fragments: Uint8Array[] = [];
  let gathered = 0;
  let wanted: number | undefined;
  let at = 0;
  if (bytes.length > 0 && bytes[0] !== handshakeContentType) return notTls(bytes[0]!, bytes[2]);
  for (;;) {
    if (bytes.length < at + recordHeaderLength) return need(at + recordHeaderLength);
    if (bytes[at] !== handshakeContentType) return invalid(`a record of type ${bytes[at]} came before the ClientHello ended`);
    if (bytes[at + 1] !== 3) return { kind: 'not-tls', reason: `record version ${bytes[at + 1]}.${bytes[at + 2]} is not TLS` };
    const length = readUint16(bytes, at + 3);
    if (length === 0) return invalid('an empty handshake record (RFC 8446 §5.1 forbids them)');
    if (length > maxRecordLength) return invalid(`a record of ${length} bytes, more than TLS allows (${maxRecordLength})`);
    const end = at + recordHeaderLength + length;
    if (bytes.length < end) return need(end);
    fragments.push(bytes.subarray(at + recordHeaderLength, end));
    gathered += length;
    at = end;
    if (wanted === undefined && gathered >= handshakeHeaderLength) {
      const head = concat(fragments, handshakeHeaderLength);
      if (head[0] !== clientHelloType) return invalid(`the first handshake message is of type ${head[0]}, not a ClientHello`);
      wanted = handshakeHeaderLength + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (wanted > maxPeekBytes) return invalid(`a ClientHello of ${wanted} bytes, more than the ${maxPeekBytes} read before routing`);
    }
    if (wanted !== undefined && gathered >= wanted) return concat(fragments, wanted).subarray(handshakeHeaderLength);
  }
}

/** An SSLv2-style hello (a 2-byte length with the top bit set, then message type 1: RFC 6101 appendix E.2) or no TLS at all. */
function notTls(first: number, third: number | undefined): Exclude<ClientHelloResult, { kind: 'hello' }> {
  if ((first & 0x80) !== 0 && third === clientHelloType) return { kind: 'not-tls', reason: 'an SSLv2 ClientHello, which carries no server name' };
  return { kind: 'not-tls', reason: `the first byte is ${first}, not a TLS handshake record (22)` };
}

function serverNameOf(body: Uint8Array): ClientHelloResult {
  const reader = new Reader(body);
  // legacy_version, random
  reader.skip(2 + 32);
  reader.skip(reader.uint8()); // legacy_session_id
  reader.skip(reader.uint16()); // cipher_suites
  reader.skip(reader.uint8()); // legacy_compression_methods
  if (reader.failed) return invalid('the ClientHello ends inside its fixed fields');
  // A hello without extensions (TLS 1.0 style) names no server.
  if (reader.remaining === 0) return { kind: 'hello', serverName: undefined };
  const extensions = reader.sub(reader.uint16());
  if (reader.failed || reader.remaining !== 0) return invalid('the extensions block does not fill the ClientHello exactly');
  let serverName: string | undefined;
  let seen = false;
  while (extensions.remaining > 0) {
    const type = extensions.uint16();
    const data = extensions.sub(extensions.uint16());
    if (extensions.failed) return invalid('an extension runs past the end of the ClientHello');
    if (type !== serverNameExtension) continue;
    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type".
    if (seen) return invalid('two server_name extensions');
    seen = true;
    const named = hostNameIn(data);
    if (typeof named !== 'string' && named !== undefined) return named;
    serverName = named;
  }
  return { kind: 'hello', serverName };
}

/** The host_name entry of a server_name extension (RFC 6066 §3). */
function hostNameIn(data: Reader): string | undefined | ClientHelloResult {
  const list = data.sub(data.uint16());
  if (data.failed || data.remaining !== 0) return invalid('the server_name list does not fill its extension exactly');
  let hostName: string | undefined;
  while (list.remaining > 0) {
    const type = list.uint8();
    const name = list.bytes(list.uint16());
    if (list.failed) return invalid('a server name runs past the end of its list');
    if (type !== hostNameType) continue;
    // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
    if (hostName !== undefined) return invalid('two host names in server_name');
    if (name.length === 0 || name.length > maxServerNameLength) return invalid(`a server name of ${name.length} bytes`);
    // RFC 6066 forbids the trailing dot; one is dropped, as the HTTPS listener does (certificate-names.ts).
    const text = String.fromCharCode(...name).toLowerCase().replace(/\.$/, '');
    if (!hostNameBytes.test(text)) return invalid('the server name is not a DNS host name');
    hostName = text;
  }
  return hostName;
}

/** Bounds-checked reads: past the end it reads zeros and remembers that it failed. */
class Reader {
  private at = 0;
  failed = false;

  constructor(private readonly data: Uint8Array) {}

  get remaining(): number {
    return this.data.length - this.at;
  }

  uint8(): number {
    return this.take(1)[0] ?? 0;
  }

  uint16(): number {
    const two = this.take(2);
    return two.length === 2 ? (two[0]! << 8) | two[1]! : 0;
  }

  skip(length: number): void {
    this.take(length);
  }

  bytes(length: number): Uint8Array {
    return this.take(length);
  }

  sub(length: number): Reader {
    const reader = new Reader(this.take(length));
    reader.failed = this.failed;
    return reader;
  }

  private take(length: number): Uint8Array {
    if (this.failed || length > this.remaining) {
      this.failed = true;
      this.at = this.data.length;
      return new Uint8Array(0);
    }
    const out = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
}

function readUint16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** The first `length` bytes of the fragments joined (the caller has that many). */
function concat(fragments: readonly Uint8Array[], length: number): Uint8Array {
  if (fragments[0]!.length >= length) return fragments[0]!.subarray(0, length);
  const out = new Uint8Array(length);
  let filled = 0;
  for (const fragment of fragments) {
    const part = fragment.subarray(0, length - filled);
    out.set(part, filled);
    filled += part.length;
    if (filled === length) break;
  }
  return out;
}

function need(needBytes: number): Exclude<ClientHelloResult, { kind: 'hello' }> {
  return needBytes > maxPeekBytes ? invalid(`no ClientHello within the first ${maxPeekBytes} bytes`) : { kind: 'incomplete', needBytes };
}

function invalid(reason: string): Exclude<ClientHelloResult, { kind: 'hello' }> {
  return { kind: 'invalid', reason };
}
