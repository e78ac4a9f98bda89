import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import type { LocalCa } from '../../src/main/core/tls';

const crypto = globalThis.crypto;
const FORGED_VALIDITY_MS = 24 * 60 * 60 * 1000;
const BACKDATE_MS = 60_000;

/**
 * A leaf for `name` signed with the intermediate's key read from disk, as a
 * thief who copied the key would make it: every field our issuer writes, none
 * of its refusal.
 */
export async function forgeLeaf(dir: string, ca: LocalCa, name: string): Promise<{ key: string; cert: string }> {
  const intermediateKey = await crypto.subtle.importKey(
    'pkcs8',
    PemConverter.decodeFirst(readFileSync(join(dir, 'tls', 'intermediate.key'), 'utf8')),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const intermediate = new X509Certificate(ca.intermediateCertificatePem);
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await X509CertificateGenerator.create(
    {
      subject: [{ O: ['Forged'] }],
      issuer: intermediate.subject,
      notBefore: new Date(Date.now() - BACKDATE_MS),
      notAfter: new Date(Date.now() + FORGED_VALIDITY_MS),
      publicKey: keys.publicKey,
      signingKey: intermediateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([{ type: 'dns', value: name }]),
        await AuthorityKeyIdentifierExtension.create(intermediate.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const key = PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { key, cert: `${cert.toString('pem')}\n${ca.intermediateCertificatePem}` };
}
