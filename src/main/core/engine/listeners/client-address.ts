import type { Socket } from 'node:net';

const IPV4_MAPPED_PREFIX = '::ffff:';

/** The client's address as people and balancers see it: an IPv4 client of a dual-stack socket as plain IPv4. */
export function clientAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith(IPV4_MAPPED_PREFIX) ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
}
