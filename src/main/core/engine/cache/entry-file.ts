import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { FetchTimes } from './freshness';

// One stored response as one file (nginx's proxy_cache_path model): a fixed
// prefix, the body, then the metadata as JSON. The body comes first so a
// fill can stream it to disk before the metadata is final; the prefix,
// written last, holds the lengths and CRC-32s that prove the file whole.
// A file whose prefix, size or metadata does not check out is never served.

const magic = 0x43595753; // "SWYC" little-endian
const formatVersion = 1;
/** Bytes before the body: magic, version, body length (u64), body CRC, metadata length, metadata CRC, padding. */
export const prefixBytes = 32;
/** Characters of the hex SHA-256 kept as the file name (128 bits: collisions are out of reach). */
const nameChars = 32;

/** What the index keeps of an entry besides the body, and the file records after it. */
export interface EntryMeta {
  key: string;
  scheme: string;
  status: number;
  reason: string | undefined;
  headers: string[];
  varyNames: string[];
  varyValues: (string | null)[];
  lifetimeSeconds: number;
  times: FetchTimes;
  etag: string | undefined;
  lastModified: string | undefined;
}

export interface FilePrefix {
  bodyLength: number;
  bodyCrc: number;
  metaLength: number;
  metaCrc: number;
}

/**
 * The file name of a variant: its scheme, URL and Vary values hashed (nginx
 * hashes the key with MD5), so one variant always lands on one name and a
 * newer copy is renamed over the older one.
 */
export function variantName(scheme: string, key: string, varyNames: readonly string[], varyValues: readonly (string | null | undefined)[]): string {
  const id = JSON.stringify([scheme, key, varyNames, varyValues.map((v) => v ?? null)]);
  return createHash('sha256').update(id).digest('hex').slice(0, nameChars);
}

/** nginx's levels=1:2: the last character, then the two before it, so no folder holds more than a few thousand files. */
export function levelsOf(name: string): [string, string] {
  return [name.slice(-1), name.slice(-3, -1)];
}

export function encodePrefix(prefix: FilePrefix): Buffer {
  const out = Buffer.alloc(prefixBytes);
  out.writeUInt32LE(magic, 0);
  out.writeUInt32LE(formatVersion, 4);
  out.writeBigUInt64LE(BigInt(prefix.bodyLength), 8);
  out.writeUInt32LE(prefix.bodyCrc, 16);
  out.writeUInt32LE(prefix.metaLength, 20);
  out.writeUInt32LE(prefix.metaCrc, 24);
  return out;
}

/** The prefix, or why the file is not one of ours (or not whole). */
export function decodePrefix(bytes: Buffer): FilePrefix | string {
  if (bytes.length < prefixBytes) return 'shorter than its header';
  if (bytes.readUInt32LE(0) !== magic || bytes.readUInt32LE(4) !== formatVersion) return 'not a Switchyard cache file (or never finished)';
  return {
    bodyLength: Number(bytes.readBigUInt64LE(8)),
    bodyCrc: bytes.readUInt32LE(16),
    metaLength: bytes.readUInt32LE(20),
    metaCrc: bytes.readUInt32LE(24),
  };
}

export function encodeMeta(meta: EntryMeta): Buffer {
  return Buffer.from(JSON.stringify(meta));
}

/** The metadata, or why it cannot be trusted. */
export function decodeMeta(bytes: Buffer, prefix: FilePrefix): EntryMeta | string {
  if (bytes.length !== prefix.metaLength) return 'its metadata is cut short';
  if (crc32(bytes) !== prefix.metaCrc) return 'its metadata does not match its checksum';
  try {
    const meta = JSON.parse(bytes.toString()) as EntryMeta;
    if (typeof meta.key !== 'string' || !Array.isArray(meta.headers) || typeof meta.status !== 'number') return 'its metadata is not a stored response';
    return meta;
  } catch {
    return 'its metadata is not JSON';
  }
}

export const fileBytes = (prefix: FilePrefix) => prefixBytes + prefix.bodyLength + prefix.metaLength;
