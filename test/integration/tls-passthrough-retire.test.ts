import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { removedRouteGraceMs } from '../../src/main/core/engine/l4/route-listeners';
import { must, withCleanCore } from '../helpers/core';
import { selfSigned, tlsBackend, tlsGreeting, tlsRoute } from '../helpers/tls-passthrough';

// A TLS passthrough route removed from a port that other routes still share:
// the port's listener stays open for them, and the removed route's open
// connections go on for removedRouteGraceMs, then are cut, as a removed TCP
// route's are (route-listeners.ts). Nothing else stops them: the listener
// itself is not stopped.

/** How much sooner than the grace a cut may be seen: Date.now() is read in whole milliseconds on either side. */
const clockSlackMs = 5;
/** Room past the grace for the cut to arrive and the test to end. */
const testSlackMs = 10_000;

let core: Core;
const cleanups = withCleanCore((c) => (core = c));

const certificates = { db: selfSigned('db.localhost'), web: selfSigned('web.localhost') };

describe('TLS passthrough route removed from a shared port', () => {
  it(
    'keeps its open connection for the grace, then cuts it, while the other route on the port goes on',
    async () => {
      const [db, web] = [await tlsBackend('db', certificates.db), await tlsBackend('web', certificates.web)];
      cleanups.push(() => db.close(), () => web.close());
      const dbRoute = await tlsRoute(core, 'db.localhost', [db.url]);
      await tlsRoute(core, 'web.localhost', [web.url], {}, dbRoute.port);
      const held = tls.connect({ host: '127.0.0.1', port: dbRoute.port, servername: 'db.localhost', ca: certificates.db.cert });
      held.on('error', () => {});
      cleanups.push(() => Promise.resolve(held.destroy()));
      await new Promise((resolve) => held.once('data', resolve));
      const cut = new Promise<number>((resolve) => held.once('close', () => resolve(Date.now())));

      const removedAt = Date.now();
      await must(core.run('routes.delete', { id: dbRoute.id }));
      // Still relayed both ways (the backend echoes), and the port still serves the other route.
      held.write('still here\n');
      expect(String(await new Promise((resolve) => held.once('data', resolve)))).toBe('still here\n');
      expect(await tlsGreeting(dbRoute.port, 'web.localhost', certificates.web)).toMatchObject({ ok: true, greeting: 'web' });
      expect(await tlsGreeting(dbRoute.port, 'db.localhost', certificates.db)).toEqual({ ok: false, code: 'ECONNRESET' });

      expect((await cut) - removedAt).toBeGreaterThanOrEqual(removedRouteGraceMs - clockSlackMs);
    },
    removedRouteGraceMs + testSlackMs,
  );
});
