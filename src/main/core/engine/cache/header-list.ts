// Flat [name, value, ...] header lists as the exchange writes them: what the
// cache reads from a response head and how it rewrites one.

/** A header's value by lower-case name, repeats joined with ", " (Set-Cookie is only tested for). */
export function headerOf(headers: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === name.length && headers[i]!.toLowerCase() === name) value = value === undefined ? headers[i + 1]! : `${value}, ${headers[i + 1]}`;
  }
  return value;
}

/** The list without the named headers (lower-case names). */
export function withoutHeaders(headers: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!names.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  return out;
}
