import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/core';
import { must } from '../helpers/core';
import { httpsRequest } from '../helpers/https-client';
import { withHttpsCore } from '../helpers/https-core';

// A certificate the HTTPS listener cannot make again (a key file the user's
// sudo made unreadable, a full disk) is reported, and a held one that has not
// expired is served on instead of the default certificate.

const log: string[] = [];
let core: Core;
let root: string;
let port: number;

withHttpsCore((started) => ({ core, root, port } = started), ['app.localhost'], { options: { log: (line) => log.push(line) } });

describe('a certificate that cannot be made again', () => {
  it('keeps the held one served and says why in the log, once', async () => {
    const before = await httpsRequest(port, 'app.localhost', '/', { ca: root });
    const leaf = (await must(core.run('certificates.get', {}))).leaves.find((l) => l.names.join() === 'app.localhost')!;
    // The key's path becomes a folder (EISDIR, as a root-owned 0600 file gives EACCES), then any certificate command reloads the CA.
    rmSync(leaf.keyPath);
    mkdirSync(leaf.keyPath);
    try {
      await must(core.run('certificates.issue', { names: ['other.localhost'] }));
      const after = await httpsRequest(port, 'app.localhost', '/', { ca: root });
      const again = await httpsRequest(port, 'app.localhost', '/', { ca: root });
      expect([after.status, after.certificate.fingerprint256]).toEqual([200, before.certificate.fingerprint256]);
      expect(again.certificate.subjectaltname).toBe('DNS:app.localhost');
      const reports = log.filter((line) => line.includes('the certificate for app.localhost'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toContain(join('leaves', 'app.localhost.key'));
    } finally {
      rmSync(leaf.keyPath, { recursive: true });
    }
  });
});
