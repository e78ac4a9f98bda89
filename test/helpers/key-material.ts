import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

// What a private key looks like wherever it might leak: not only its PEM
// (caught by "PRIVATE KEY"), but the forms code produces when it handles a
// key object or its bytes: the JWK's private members, the DER in hex, base64
// and base64url, the PEM's base64 lines on their own.

/** Shorter pieces (an RSA PEM's last line can be "Ag==") would match by chance. */
const MIN_SECRET_CHARS = 16;
/** The JWK members that are secret: EC's d, RSA's d and CRT values. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export interface KeyForm {
  form: string;
  text: string;
}

/** The forms of the private key in `file` (PEM, as the CA writes it). */
export function keyForms(file: string): KeyForm[] {
  const pem = readFileSync(file, 'utf8');
  const key = createPrivateKey(pem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const jwk = key.export({ format: 'jwk' });
  const forms: KeyForm[] = [
    { form: 'DER hex', text: der.toString('hex') },
    { form: 'DER base64', text: der.toString('base64') },
    { form: 'DER base64url', text: der.toString('base64url') },
    ...PRIVATE_JWK_MEMBERS.flatMap((member) => {
      const value = jwk[member];
      return value === undefined ? [] : [
        { form: `JWK ${member}`, text: value },
        { form: `JWK ${member} as hex`, text: Buffer.from(value, 'base64url').toString('hex') },
      ];
    }),
    ...pem
      .split('\n')
      .filter((line) => !line.startsWith('-----') && line.length >= MIN_SECRET_CHARS)
      .map((line, index) => ({ form: `PEM line ${index + 1}`, text: line })),
  ];
  return forms.map(({ form, text }) => ({ form: `${form} of ${file}`, text }));
}

/** The forms found in `text` (hex compared without case), as "<form> of <file>": [] when nothing leaked. */
export function leakedKeyForms(text: string, forms: readonly KeyForm[]): string[] {
  const lower = text.toLowerCase();
  const found = forms.filter(({ form, text: secret }) => (form.includes('hex') ? lower.includes(secret.toLowerCase()) : text.includes(secret))).map(({ form }) => form);
  return text.includes('PRIVATE KEY') ? ['a PEM "PRIVATE KEY" block', ...found] : found;
}
