// When a certificate is replaced: 30 days before it expires, certbot's default
// (renew_before_expiry), which for a 397-day local leaf leaves a month of
// restarts, sleeps and offline laptops for the renewal to happen in.

const DAY_MS = 24 * 60 * 60 * 1000;
export const RENEW_BEFORE_EXPIRY_DAYS = 30;
export const RENEW_BEFORE_EXPIRY_MS = RENEW_BEFORE_EXPIRY_DAYS * DAY_MS;

export const days = (count: number) => count * DAY_MS;

/** True once `now` is within the renewal window of the certificate's expiry (or past it). Pure: the clock is the caller's. */
export function needsRenewal(cert: { readonly notAfter: Date }, now: Date): boolean {
  return cert.notAfter.getTime() - now.getTime() <= RENEW_BEFORE_EXPIRY_MS;
}
