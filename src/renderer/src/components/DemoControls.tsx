import { useState } from 'react';
import { demoHost } from '../../../shared/demo';
import { useApi } from '../api-context';
import './ProjectAndDemo.css';

/** "Try it" on the empty screen: three demo backends and a route for demo.localhost, to watch before adding one's own. */
export function TryDemoButton({ onStarted }: { onStarted: (routeId: number) => void }) {
  const { invoke } = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const start = async () => {
    setBusy(true);
    setError(undefined);
    const answer = await invoke('demo.start', {});
    setBusy(false);
    if (!answer.ok) return setError(answer.error.message);
    if (answer.result.routeId !== undefined) onStarted(answer.result.routeId);
  };
  return (
    <>
      <button type="button" onClick={() => void start()} disabled={busy}>
        {busy ? 'Starting the demo…' : 'Try it with a demo'}
      </button>
      <p className="muted">
        Starts three small backends (one steady, one flaky, one slow) behind <code>{demoHost}</code> with a little traffic, so you can watch balancing, health checks and
        failover. Stop it any time.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** Beside "New route" while the demo's route exists: removes its route, backends and traffic. */
export function StopDemoButton() {
  const { invoke } = useApi();
  const [error, setError] = useState<string | undefined>();
  const stop = async () => {
    const answer = await invoke('demo.stop', {});
    setError(answer.ok ? undefined : answer.error.message);
  };
  return (
    <div className="demo-running list-note">
      <span className="muted">The demo is running.</span>{' '}
      <button type="button" onClick={() => void stop()} title={`Stop the demo: its backends, traffic and the ${demoHost} route go away`}>
        Stop demo
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
