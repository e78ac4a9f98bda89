import type { LeafOptions } from './leaves';
import { leafKeyPair, type LocalCa } from './local-ca';

// The one way out of this folder for a private key: the engine's TLS
// listener, which hands it to tls.createSecureContext in the same process.
// A unit test fails if anything outside src/main/core/engine imports this file.

/** What `tls.createSecureContext` takes: the leaf's key and the chain a client needs (leaf, then intermediate; never the root). */
export interface SecureContextCredentials {
  key: string;
  cert: string;
}

/** Issues or reuses (and renews when due) the certificate for `names`, as key and chain. */
export async function secureContextCredentials(ca: LocalCa, names: readonly string[], options: LeafOptions = {}): Promise<SecureContextCredentials> {
  const { keyPem, certPem } = await leafKeyPair(ca, names, options);
  return { key: keyPem, cert: `${certPem.trimEnd()}\n${ca.intermediateCertificatePem.trimEnd()}\n` };
}
