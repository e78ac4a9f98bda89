import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ProbeResult, ProbeSpec } from './probe';

/**
 * One UDP health check: send the probe datagram (healthSend) from a socket
 * connected to the backend and wait up to the timeout. With an expected
 * reply (healthExpect), a reply containing it passes and silence fails.
 * Without one, as nginx's UDP health_check without a match block, silence
 * passes and only an ICMP port unreachable (ECONNREFUSED on the connected
 * socket) fails: UDP has no handshake, so that is all it can tell. Never
 * throws; always settles within the timeout.
 */
export function udpProbe(spec: ProbeSpec): Promise<ProbeResult> {
  const started = performance.now();
  const where = `${spec.hostname}:${spec.port}`;
  return new Promise((resolve) => {
    const socket = dgram.createSocket(isIPv6(spec.hostname) ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ok, detail, latencyMs: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => {
      if (spec.expect) finish(false, `no reply within ${spec.timeoutMs} ms`);
      else finish(true, 'sent; no ICMP port unreachable (no reply expected)');
    }, spec.timeoutMs);
    const failed = (error: NodeJS.ErrnoException) =>
      finish(false, error.code === 'ECONNREFUSED' ? `ICMP port unreachable from ${where}` : `${error.code ?? error.message} ${where}`);
    socket.on('error', failed);
    socket.on('message', (reply) => {
      if (!spec.expect) return finish(true, 'replied');
      // One datagram is the whole answer: a reply without the text fails now rather than at the timeout.
      if (reply.toString('utf8').includes(spec.expect)) finish(true, `replied with "${spec.expect}"`);
      else finish(false, `the reply lacks "${spec.expect}"`);
    });
    socket.connect(spec.port, spec.hostname, (error?: Error) => {
      // Timed out while the name resolved: the socket is closed already.
      if (settled) return;
      if (error) return failed(error);
      socket.send(spec.send ?? '', (sendError) => {
        if (sendError) failed(sendError);
      });
    });
  });
}
