/** The last health checks as a row of bars: tall green for a pass, short red for a failure. */
export function Sparkline({ results, label }: { results: boolean[]; label: string }) {
  const width = 4;
  const gap = 1;
  const slots = 20;
  const failed = results.filter((ok) => !ok).length;
  return (
    <svg
      className="sparkline"
      width={slots * (width + gap)}
      height={16}
      role="img"
      aria-label={`${label}: ${results.length ? `${results.length - failed} passed, ${failed} failed` : 'none yet'}`}
    >
      {results.map((ok, i) => (
        <rect
          key={i}
          x={(slots - results.length + i) * (width + gap)}
          y={ok ? 2 : 9}
          width={width}
          height={ok ? 14 : 7}
          rx={1}
          className={ok ? 'pass' : 'fail'}
        />
      ))}
    </svg>
  );
}
