import { Resolver } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must, withCleanCore } from '../helpers/core';
import { udpBackend, udpClient, udpRoute, type UdpBackend } from '../helpers/udp';

// DNS through a UDP route with udpResponses=1 (nginx's proxy_responses 1):
// a query is one datagram and its answer one datagram, so the session ends
// as soon as the answer is relayed, instead of holding a socket and a
// session slot for the idle timeout. The packets are real DNS messages
// (RFC 1035 §4.1), and Node's own resolver (c-ares) asks through the route too.

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const typeA = 1;
const classIn = 1;
const ttlSeconds = 60;
const headerBytes = 12;

/** A standard query for `name`'s A record, recursion desired. */
function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  const header = Buffer.alloc(headerBytes);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(typeA, 0);
  question.writeUInt16BE(classIn, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), question]);
}

/** The question section's end: past the name's labels, its type and its class. */
function questionEnd(message: Buffer): number {
  let at = headerBytes;
  while (message[at]! !== 0) at += message[at]! + 1;
  return at + 1 + 4;
}

/** A DNS server that answers every A question with `address` (and ignores EDNS records c-ares adds). */
async function dnsServer(address: string): Promise<UdpBackend> {
  const server = await udpBackend(address, (query, reply) => {
    const end = questionEnd(query);
    const header = Buffer.from(query.subarray(0, headerBytes));
    header.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
    header.writeUInt16BE(1, 6); // ANCOUNT
    header.writeUInt16BE(0, 8); // NSCOUNT
    header.writeUInt16BE(0, 10); // ARCOUNT
    const answer = Buffer.alloc(16);
    answer.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    answer.writeUInt16BE(typeA, 2);
    answer.writeUInt16BE(classIn, 4);
    answer.writeUInt32BE(ttlSeconds, 6);
    answer.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
    reply(Buffer.concat([header, query.subarray(headerBytes, end), answer]));
  });
  cleanups.push(() => server.close());
  return server;
}

/** The id and the A record's address of an answer. */
function parseAnswer(message: Buffer): { id: number; address: string } {
  const rdata = message.subarray(message.length - 4);
  return { id: message.readUInt16BE(0), address: [...rdata].join('.') };
}

async function live(backendId: number) {
  return (await must(core.run('backends.live', {}))).backends[backendId]!;
}

describe('DNS through a UDP route', () => {
  it('with udpResponses=1 ends each session once its answer is relayed, so every query is balanced on its own', async () => {
    const [one, two] = [await dnsServer('127.0.0.11'), await dnsServer('127.0.0.12')];
    const route = await udpRoute(core, [one.url, two.url], { udpResponses: 1 });
    const client = await udpClient();
    cleanups.push(() => client.close());
    const answers = [];
    for (let id = 1; id <= 4; id++) answers.push(parseAnswer(await client.ask(route.port, dnsQuery(id, 'db.localhost'))));
    // One client port, four sessions: round-robin alternates the servers.
    expect(answers).toEqual([
      { id: 1, address: '127.0.0.11' },
      { id: 2, address: '127.0.0.12' },
      { id: 3, address: '127.0.0.11' },
      { id: 4, address: '127.0.0.12' },
    ]);
    // The session ended before its answer reached the client: nothing is held open.
    expect((await live(route.backends[0]!.id)).active).toBe(0);
    expect((await live(route.backends[1]!.id)).active).toBe(0);
    expect((await must(core.run('backends.live', {}))).routes[route.id]!.requests).toBe(4);
  });

  it('without udpResponses keeps one session per client port until it is idle', async () => {
    const [one, two] = [await dnsServer('127.0.0.11'), await dnsServer('127.0.0.12')];
    const route = await udpRoute(core, [one.url, two.url]);
    const client = await udpClient();
    cleanups.push(() => client.close());
    const addresses = [];
    for (let id = 1; id <= 3; id++) addresses.push(parseAnswer(await client.ask(route.port, dnsQuery(id, 'db.localhost'))).address);
    expect(addresses).toEqual(['127.0.0.11', '127.0.0.11', '127.0.0.11']);
    expect((await live(route.backends[0]!.id)).active).toBe(1);
  });

  it("answers Node's own resolver (c-ares) through the route", async () => {
    const server = await dnsServer('127.0.0.53');
    const route = await udpRoute(core, [server.url], { udpResponses: 1 });
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([`127.0.0.1:${route.port}`]);
    expect(await resolver.resolve4('db.localhost')).toEqual(['127.0.0.53']);
    expect(server.received).toHaveLength(1);
  });

  it('a server that never answers is a failure once the idle timeout passes with the answer owed (nginx: upstream timed out)', async () => {
    const silent = await udpBackend('silent', () => {});
    cleanups.push(() => silent.close());
    const idleTimeoutMs = 200;
    const route = await udpRoute(core, [silent.url], { udpResponses: 1, idleTimeoutMs, ejectAfter: 1 });
    const client = await udpClient();
    cleanups.push(() => client.close());
    client.send(route.port, dnsQuery(7, 'db.localhost'));
    expect(await client.next(idleTimeoutMs * 4)).toBeUndefined();
    const stats = await live(route.backends[0]!.id);
    expect(stats).toMatchObject({ active: 0, failures: 1, status: 'ejected' });
    expect(stats.reason).toContain(`no reply within ${idleTimeoutMs} ms`);
  });
});
