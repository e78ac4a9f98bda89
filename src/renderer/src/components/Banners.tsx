import { useApi } from '../api-context';
import { useLive } from '../live-store';
import { CopyableCode } from './CopyButton';

/** The connection, Switchyard's own problems and the last command's error, above every area. */
export function Banners() {
  const { store } = useApi();
  const offline = useLive((s) => s.connection === 'offline');
  const problems = useLive((s) => s.problems);
  const commandError = useLive((s) => s.commandError);
  return (
    <div className="banners">
      {offline && (
        <div className="banner error" role="alert">
          <span>Lost the connection to Switchyard — reconnecting… The values shown are from before it dropped.</span>
        </div>
      )}
      {problems.map((p) => (
        <div key={p.code} className="banner warning" role="status">
          <span>{p.message}</span>
          {p.fix !== undefined && <CopyableCode text={p.fix} what="the command that fixes it" />}
        </div>
      ))}
      {commandError && (
        <div className="banner error" role="alert">
          <span>{commandError.message}</span>
          <button type="button" className="link" onClick={() => store.setCommandError(undefined)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
    </div>
  );
}
