import { describe, expect, it } from 'vitest';
import { certificateNames, hostIndex, routeCertificateNames } from '../../src/main/core/engine/listeners/certificate-names';

const index = hostIndex(['*', 'api.localhost', '*.app.localhost', '*.x.app.localhost', '[::1]', '127.0.0.1']);

describe('certificate names for an SNI', () => {
  it('gives an exact route host its own name, lower case, without a trailing dot', () => {
    expect(certificateNames('api.localhost', index)).toEqual(['api.localhost']);
    expect(certificateNames('API.localhost.', index)).toEqual(['api.localhost']);
  });

  it('gives names one label below a wildcard route its wildcard, the longest suffix first', () => {
    expect(certificateNames('a.app.localhost', index)).toEqual(['*.app.localhost']);
    expect(certificateNames('b.x.app.localhost', index)).toEqual(['*.x.app.localhost']);
  });

  it('gives deeper names none (a wildcard covers one label only, and a client must not make the CA write files for names it picks)', () => {
    expect(certificateNames('a.b.app.localhost', index)).toBeUndefined();
  });

  it('gives nothing (the default certificate) to the wildcard apex, names no route has and the default route', () => {
    expect(certificateNames('app.localhost', index)).toBeUndefined();
    expect(certificateNames('other.localhost', index)).toBeUndefined();
  });

  it('lists what to issue ahead: exact hosts (never addresses) and wildcards', () => {
    expect(routeCertificateNames(index)).toEqual([['api.localhost'], ['*.x.app.localhost'], ['*.app.localhost']]);
  });
});
