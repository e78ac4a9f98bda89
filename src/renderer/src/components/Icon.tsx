/** Line icons for the sidebar, drawn in the text colour (currentColor). */
const paths = {
  routes: 'M4 6h16M4 12h16M4 18h10',
  settings: 'M4 7h9m4 0h3M4 17h3m4 0h9M13 5v4M7 15v4',
  traffic: 'M3 12h4l3-7 4 14 3-7h4',
  certificates: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3M12 15v2',
  keyboard: 'M3 7h18v10H3zM7 11h0m4 0h0m4 0h0M8 14h8',
  export: 'M12 4v11m-4-4 4 4 4-4M5 20h14',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
