import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { PemConverter } from '@peculiar/x509';

// Key pairs through WebCrypto (what @peculiar/x509 signs with), exported once
// as PKCS#8 PEM for the files and for Node's TLS. CA keys are read back as
// non-extractable signing keys: once loaded, nothing can export them again.

/** Node's WebCrypto as the DOM type @peculiar/x509 expects. */
export const crypto = webcrypto as unknown as Crypto;

/** ECDSA P-256 by default (smaller, faster handshakes, what Caddy issues); RSA 2048 for clients without ECDSA. */
export const keyTypes = ['ecdsa-p256', 'rsa-2048'] as const;
export type KeyType = (typeof keyTypes)[number];

const RSA_MODULUS_BITS = 2048;
const RSA_PUBLIC_EXPONENT = new Uint8Array([1, 0, 1]);
const ECDSA_P256: EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };

const generationParams: Record<KeyType, EcKeyGenParams | RsaHashedKeyGenParams> = {
  'ecdsa-p256': ECDSA_P256,
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: RSA_MODULUS_BITS,
    publicExponent: RSA_PUBLIC_EXPONENT,
    hash: 'SHA-256',
  },
};

/** What every certificate here is signed with: the CA keys are ECDSA P-256. */
export const CA_SIGNING_ALGORITHM: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export async function generateKeys(type: KeyType): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(generationParams[type], true, ['sign', 'verify']);
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

export async function importCaSigningKey(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', PemConverter.decodeFirst(pem), ECDSA_P256, false, ['sign']);
}

/** True when the PEM private key is the one whose public half `spkiDer` (a certificate's key) is. */
export function keyMatches(keyPem: string, spkiDer: ArrayBuffer): boolean {
  const publicDer = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return publicDer.equals(Buffer.from(spkiDer));
}

const SERIAL_BYTES = 16;
const SERIAL_FIRST_BYTE_MASK = 0x7f;
const SERIAL_FIRST_BYTE_SET = 0x40;

/** 126 random bits, positive and of fixed length (RFC 5280 §4.1.2.2: positive, at most 20 octets; CA/B Forum asks for 64 random bits). */
export function randomSerial(): string {
  const bytes = randomBytes(SERIAL_BYTES);
  bytes[0] = ((bytes[0] ?? 0) & SERIAL_FIRST_BYTE_MASK) | SERIAL_FIRST_BYTE_SET;
  return bytes.toString('hex');
}
