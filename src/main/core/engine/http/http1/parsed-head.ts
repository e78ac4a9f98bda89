import type { MessageHead, RequestHead, ResponseHead } from './head-parser';
import { NamesByLength } from '../ascii-case';

// What the parser makes of a head. A record of every header by lower-cased
// name cost a new lower-case string, its hash and a dictionary store per
// header, for every message, while the proxy itself reads the same few
// headers each time (framing, Connection, Host, forwarding). Those few are
// noted while parsing, by comparing names in place; the record is built
// only when something asks for another header (a hash key, a sticky cookie,
// compression, an error page), as nginx keeps the headers it acts on in
// fields of its request (headers_in.host, .connection, ...) next to the list.

/** The headers noted while parsing. */
export const enum Hot {
  None,
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  KeepAlive,
  Upgrade,
  Expect,
  Via,
  XForwardedFor,
}

const hotNames: Record<Exclude<Hot, Hot.None>, string> = {
  [Hot.Host]: 'host',
  [Hot.ContentLength]: 'content-length',
  [Hot.TransferEncoding]: 'transfer-encoding',
  [Hot.Connection]: 'connection',
  [Hot.KeepAlive]: 'keep-alive',
  [Hot.Upgrade]: 'upgrade',
  [Hot.Expect]: 'expect',
  [Hot.Via]: 'via',
  [Hot.XForwardedFor]: 'x-forwarded-for',
};

const hot = new NamesByLength(Object.entries(hotNames).map(([value, name]) => [name, Number(value) as Hot] as const));

/** Which hot header the field name at [start, end) of `text` is, in any case. */
export function hotHeader(text: string, start: number, end: number): Hot {
  return hot.find(text, start, end) ?? Hot.None;
}

export class ParsedHead implements MessageHead {
  readonly rawHeaders: string[] = [];
  host: string | undefined;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  connection: string | undefined;
  keepAlive: string | undefined;
  upgrade: string | undefined;
  expect: string | undefined;
  via: string | undefined;
  xForwardedFor: string | undefined;
  protected record: Record<string, string> | undefined;

  constructor(
    readonly minor: 0 | 1,
    readonly text: string,
  ) {}

  /** Notes a hot header's value; repeats are joined with ", " (Host and Content-Length never repeat: the parser refuses that). */
  note(hot: Exclude<Hot, Hot.None>, value: string): void {
    switch (hot) {
      case Hot.Host:
        this.host = value;
        break;
      case Hot.ContentLength:
        this.contentLength = value;
        break;
      case Hot.TransferEncoding:
        this.transferEncoding = joined(this.transferEncoding, value);
        break;
      case Hot.Connection:
        this.connection = joined(this.connection, value);
        break;
      case Hot.KeepAlive:
        this.keepAlive = joined(this.keepAlive, value);
        break;
      case Hot.Upgrade:
        this.upgrade = joined(this.upgrade, value);
        break;
      case Hot.Expect:
        this.expect = joined(this.expect, value);
        break;
      case Hot.Via:
        this.via = joined(this.via, value);
        break;
      case Hot.XForwardedFor:
        this.xForwardedFor = joined(this.xForwardedFor, value);
        break;
    }
  }

  header(name: string): string | undefined {
    switch (name) {
      case 'host':
        return this.host;
      case 'content-length':
        return this.contentLength;
      case 'transfer-encoding':
        return this.transferEncoding;
      case 'connection':
        return this.connection;
      case 'keep-alive':
        return this.keepAlive;
      case 'upgrade':
        return this.upgrade;
      case 'expect':
        return this.expect;
      case 'via':
        return this.via;
      case 'x-forwarded-for':
        return this.xForwardedFor;
      default:
        return this.headers[name];
    }
  }

  get headers(): Record<string, string> {
    if (this.record !== undefined) return this.record;
    const record: Record<string, string> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i]!.toLowerCase();
      const prior = record[lower];
      record[lower] = prior === undefined ? raw[i + 1]! : `${prior}${lower === 'cookie' ? '; ' : ', '}${raw[i + 1]!}`;
    }
    this.record = record;
    return record;
  }
}

const joined = (prior: string | undefined, value: string) => (prior === undefined ? value : `${prior}, ${value}`);

export class ParsedRequestHead extends ParsedHead implements RequestHead {
  constructor(
    readonly method: string,
    public target: string,
    minor: 0 | 1,
    text: string,
  ) {
    super(minor, text);
  }

  replaceHost(authority: string): void {
    this.host = authority;
    // Built from the list again if asked for.
    this.record = undefined;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
        raw[i + 1] = authority;
        return;
      }
    }
    raw.push('Host', authority);
  }
}

export class ParsedResponseHead extends ParsedHead implements ResponseHead {
  constructor(
    readonly status: number,
    readonly reason: string,
    minor: 0 | 1,
    text: string,
  ) {
    super(minor, text);
  }
}
