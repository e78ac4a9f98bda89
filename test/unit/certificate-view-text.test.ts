import { describe, expect, it } from 'vitest';
import { expiryWarningDays, ipRangeLabel, parseNames } from '../../src/renderer/src/certificate-wording';
import { daysUntil, relativeTime } from '../../src/renderer/src/format';

// How the Certificates view reads what the user typed and says when a
// certificate expires: a list of names however they were separated, and an
// expiry in one rounded unit that never reads as further away than it is.

const now = Date.parse('2026-12-01T12:00:00Z');
const inDays = (days: number) => new Date(now + days * 86_400_000).toISOString();

describe('names typed for a certificate', () => {
  it('splits on commas, spaces and line breaks, and drops empty entries', () => {
    expect(parseNames(' api.myapp.localhost,*.myapp.localhost  127.0.0.1\n::1 ,, ')).toEqual(['api.myapp.localhost', '*.myapp.localhost', '127.0.0.1', '::1']);
    expect(parseNames('  ')).toEqual([]);
  });
});

describe('expiry', () => {
  it('says days below two months, months below two years, then years', () => {
    expect([0.5, 29.9, 59, 397, 730, 3653].map((days) => relativeTime(inDays(days), now))).toEqual([
      'in 12 hours',
      'in 29 days',
      'in 59 days',
      'in 13 months',
      'in 2 years',
      'in 10 years',
    ]);
  });

  it('says how long ago a certificate expired', () => {
    expect([-0.01, -3.5, -400].map((days) => relativeTime(inDays(days), now))).toEqual(['14 minutes ago', '3 days ago', '13 months ago']);
  });

  it('warns from the day a certificate has less than 30 whole days left, as the core renews inside 30 days', () => {
    expect(daysUntil(inDays(30), now)).toBe(expiryWarningDays);
    expect(daysUntil(inDays(29.99), now)).toBeLessThan(expiryWarningDays);
  });

  it('writes ::1/128 as ::1 and leaves 127.0.0.0/8 as it is', () => {
    expect(['127.0.0.0/8', '::1/128'].map(ipRangeLabel)).toEqual(['127.0.0.0/8', '::1']);
  });
});
