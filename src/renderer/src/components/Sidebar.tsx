import iconUrl from '../../../../resources/icon.svg';
import { useLive } from '../live-store';
import { Icon, type IconName } from './Icon';
import { ThemeToggle } from './ThemeToggle';

export type Area = 'routes' | 'traffic' | 'certificates' | 'settings';

/** The app's areas; TCP routes, Cache and Failure lab join when they exist. Proxy settings stay last; Alt+N is the Nth item, as in most desktop apps. */
export const areas: { id: Area; label: string; icon: IconName; keys: string }[] = [
  { id: 'routes', label: 'Routes', icon: 'routes', keys: 'G R or Alt+1' },
  { id: 'traffic', label: 'Traffic', icon: 'traffic', keys: 'G T or Alt+2' },
  { id: 'certificates', label: 'Certificates', icon: 'certificates', keys: 'G C or Alt+3' },
  { id: 'settings', label: 'Proxy settings', icon: 'settings', keys: 'G S or Alt+4' },
];

function RouteCount() {
  const count = useLive((s) => s.routes?.length);
  return count === undefined ? null : <span className="nav-count">{count}</span>;
}

export function Sidebar({ area, onArea, onHelp, onExport }: { area: Area; onArea: (area: Area) => void; onHelp: () => void; onExport: () => void }) {
  return (
    <aside className="sidebar">
      <div className="brand">
        <img src={iconUrl} alt="" width={24} height={24} />
        <span>Switchyard</span>
      </div>
      <nav aria-label="Areas">
        <ul>
          {areas.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                className="nav-item"
                aria-current={a.id === area ? 'page' : undefined}
                title={`${a.label} (${a.keys})`}
                onClick={() => onArea(a.id)}
              >
                <Icon name={a.icon} />
                <span className="nav-label">{a.label}</span>
                {a.id === 'routes' && <RouteCount />}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <button type="button" className="ghost nav-item" onClick={onExport} title="Export the routes as an nginx, HAProxy, Caddy or Kubernetes config">
          <Icon name="export" />
          <span className="nav-label">Export config</span>
        </button>
        <ThemeToggle />
        <button type="button" className="ghost nav-item" onClick={onHelp} title="Keyboard shortcuts (?)" aria-keyshortcuts="?">
          <Icon name="keyboard" />
          <span className="nav-label">Shortcuts</span>
          <kbd>?</kbd>
        </button>
      </div>
    </aside>
  );
}
