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
