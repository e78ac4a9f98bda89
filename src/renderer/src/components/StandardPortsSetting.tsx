import { originOf } from '../../../shared/origin';
import { useHttpPort, useHttpsPort, useLive } from '../live-store';
import { CopyableCode } from './CopyButton';

/** The standard ports, as the core asks for them (standard-ports.ts). */
const standardHttp = 80;
const exampleHost = 'demo.localhost';

/**
 * The useStandardPorts switch: what it gives (a URL with no port), that it
 * applies at the next start, and, where the OS refused a port, the one
 * command that allows it with a copy button.
 */
export function StandardPortsSetting({ checked, saved, onChange }: { checked: boolean; saved: boolean; onChange: (checked: boolean) => void }) {
  const requested = useLive((s) => s.status?.requestedPorts);
  const refused = useLive((s) => s.problems.find((p) => p.code === 'STANDARD_PORTS_REFUSED'));
  const httpPort = useHttpPort();
  const httpsPort = useHttpsPort();
  const pending = requested !== undefined && saved !== requested.useStandardPorts;
  const named = requested?.useStandardPorts === true && requested.http !== standardHttp;
  return (
    <div className="setting check standard-ports">
      <label>
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Standard ports (80 and 443)
      </label>
      <span className="field-hint">
        HTTP on port 80 and HTTPS on 443, so routes open at <code>http://{exampleHost}/</code> with no port. Applies when Switchyard restarts; a
        port named with --http-port, --https-port or SWITCHYARD_HTTP_PORT wins. Default off.
      </span>
      {pending && (
        <span className="field-hint">
          Saved: applies when Switchyard restarts
          {httpPort === undefined ? '.' : ` (listening now on ${originOf('http', exampleHost, httpPort)}/${httpsPort === undefined ? '' : ` and ${originOf('https', exampleHost, httpsPort)}/`}).`}
        </span>
      )}
      {!pending && named && <span className="field-hint">A port named at start ({requested.http}) wins over this setting.</span>}
      {!pending && refused && (
        <div className="field-error" role="alert">
          <span>{refused.message}</span>
          {refused.fix !== undefined && <CopyableCode text={refused.fix} what="the command that allows the port" />}
        </div>
      )}
    </div>
  );
}
