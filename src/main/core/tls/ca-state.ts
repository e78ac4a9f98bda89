import type { X509Certificate } from '@peculiar/x509';

/** An open CA as this folder holds it: the intermediate's signing key is non-extractable, the root key is not held at all. */
export interface CaState {
  dir: string;
  now: () => Date;
  domains: string[];
  root: X509Certificate;
  intermediate: X509Certificate;
  intermediateKey: CryptoKey;
  /** The latest issuance under way by leaf file, so concurrent handshakes for one new name issue one certificate; a forced issue queues behind it. */
  pending: Map<string, Promise<StoredLeaf>>;
}

export interface StoredLeaf {
  cert: X509Certificate;
  certPem: string;
  keyPem: string;
}
