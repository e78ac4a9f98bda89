import { Profiler, type ProfilerOnRenderCallback, type ReactNode } from 'react';

/** Commits React made and the time it spent rendering them, summed since the page loaded. */
export interface RenderProfile {
  commits: number;
  ms: number;
}

declare global {
  interface Window {
    /** Read by scripts/measure-render-cost.mjs; only development builds define it. */
    __switchyardRenderProfile?: RenderProfile;
  }
}

const record: ProfilerOnRenderCallback = (_id, _phase, actualDuration) => {
  const profile = (window.__switchyardRenderProfile ??= { commits: 0, ms: 0 });
  profile.commits += 1;
  profile.ms += actualDuration;
};

/**
 * Wraps the app in React's Profiler in development builds only: production
 * React does not call onRender, and the measurement should cost nothing there.
 */
export function withDevProfiler(app: ReactNode): ReactNode {
  if (!import.meta.env.DEV) return app;
  return (
    <Profiler id="switchyard" onRender={record}>
      {app}
    </Profiler>
  );
}
