// Compact numbers for the backends table, where a column is a few characters wide.

const kilo = 1000;
const byteUnits = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
const countUnits = ['', 'k', 'M', 'G'] as const;

/** One decimal below 10 (1.2 MB), none above (12 MB, 345 KB): about three significant figures, as `ls -h` shows. */
function scaled(value: number, units: readonly string[], space: string): string {
  let index = 0;
  let scaledValue = value;
  while (scaledValue >= kilo && index < units.length - 1) {
    scaledValue /= kilo;
    index += 1;
  }
  if (index === 0) return `${value}${space}${units[0]}`.trimEnd();
  const rounded = scaledValue < 10 ? scaledValue.toFixed(1) : String(Math.round(scaledValue));
  // 999.6 k rounds to "1000 k": show the next unit instead.
  if (rounded === String(kilo) && index < units.length - 1) return `1.0${space}${units[index + 1]}`;
  return `${rounded}${space}${units[index]}`;
}

/** Bytes in decimal units, as HTTP tools print them: 0 B, 950 B, 1.2 KB, 34 MB. */
export const compactBytes = (bytes: number): string => scaled(bytes, byteUnits, ' ');

/** A count: 950, 1.2k, 34k, 5.6M. */
export const compactCount = (n: number): string => scaled(n, countUnits, '');

/** A 0..1 fraction as a percentage: "<1%" for a small non-zero share, so an error never reads as 0%. */
export function percent(fraction: number): string {
  if (fraction <= 0) return '0%';
  const whole = Math.round(fraction * 100);
  return whole === 0 ? '<1%' : `${whole}%`;
}

/** Milliseconds, "—" when there is nothing to measure. */
export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`;
}

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;
/** Below this many days an expiry reads in days ("in 29 days"), then in months until two years, then in years. */
const daysShownUpTo = 60;
const monthsShownUpTo = 24;
const daysPerMonth = 30.44;
const daysPerYear = 365.25;
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** How far `iso` is from `now` in one rounded unit: "in 13 months", "in 29 days", "3 days ago", "in 10 years". */
export function relativeTime(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  const days = Math.abs(ms) / dayMs;
  const sign = Math.sign(ms) || 1;
  if (Math.abs(ms) < hourMs) return relative.format(sign * Math.round(Math.abs(ms) / minuteMs), 'minute');
  if (days < 1) return relative.format(sign * Math.round(Math.abs(ms) / hourMs), 'hour');
  if (days < daysShownUpTo) return relative.format(sign * Math.floor(days), 'day');
  // Compared once rounded, so 730 days reads "in 2 years", not "in 24 months".
  const months = Math.round(days / daysPerMonth);
  if (months < monthsShownUpTo) return relative.format(sign * months, 'month');
  return relative.format(sign * Math.round(days / daysPerYear), 'year');
}

/** Whole days from `now` to `iso` (negative once past). */
export const daysUntil = (iso: string, now = Date.now()): number => Math.floor((new Date(iso).getTime() - now) / dayMs);

/** A calendar date that reads the same everywhere: 1 Dec 2036. */
export const calendarDate = (iso: string): string => new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

/** A whole number as people read it: 12,345. */
export const count = (n: number): string => n.toLocaleString('en');

/** A number and its noun, singular for exactly one: "1 request", "2 requests". */
export const counted = (n: number, noun: string, nouns = `${noun}s`): string => `${count(n)} ${n === 1 ? noun : nouns}`;
