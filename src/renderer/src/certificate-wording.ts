import type { CaTrust, CertificateKeyType, LeafCertificateInfo } from '../../shared/certificates';

// How the Certificates view names things, in one place so the list, the
// detail and the CA card say the same.

export const keyTypeLabels: Record<CertificateKeyType, string> = {
  'ecdsa-p256': 'ECDSA P-256',
  'rsa-2048': 'RSA 2048',
};

export const trustLabels: Record<CaTrust['state'], { text: string; tone: 'ok' | 'warn' | 'neutral' }> = {
  trusted: { text: 'Trusted by this system', tone: 'ok' },
  'not-trusted': { text: 'Not trusted by this system', tone: 'warn' },
  unknown: { text: 'Trust not known', tone: 'neutral' },
};

export const leafStateLabels: Record<LeafCertificateInfo['state'], { text: string; tone: 'ok' | 'warn' | 'danger'; why: string }> = {
  valid: { text: 'Valid', tone: 'ok', why: 'Valid, and not due for renewal.' },
  'renewal-due': { text: 'Renewal due', tone: 'warn', why: 'Expires within 30 days: Switchyard renews it at the next HTTPS connection to a route that uses it; regenerate it for your own dev server.' },
  expired: { text: 'Expired', tone: 'danger', why: 'Expired: clients refuse it. Regenerate it.' },
  'not-permitted': {
    text: 'Outside the domains',
    tone: 'danger',
    why: "A name is outside the CA's domains since they changed, so clients refuse it: add its domain back, or remove the certificate.",
  },
};

/**
 * Expiry is shown in warning colours from this many days out: the core
 * renews a route's certificate inside the same 30-day window
 * (RENEW_BEFORE_EXPIRY_MS), and a dev server's own needs regenerating then.
 */
export const expiryWarningDays = 30;

/** A permitted IP range as people write it: ::1 rather than ::1/128. */
export const ipRangeLabel = (cidr: string) => cidr.replace(/^(::1)\/128$/, '$1');

/** What the user typed, as the list of names the command takes: commas, spaces or line breaks between them. */
export const parseNames = (text: string): string[] => text.split(/[\s,]+/).filter((name) => name !== '');

/** The file name at the end of a path from the core (POSIX or Windows). */
export const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;
