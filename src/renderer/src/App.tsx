import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Route } from '../../shared/model';
import { routeLabel } from '../../shared/route-label';
import { ApiContext } from './api-context';
import { Banners } from './components/Banners';
import { CertificatesView } from './components/CertificatesView';
import { Dialog } from './components/Dialog';
import { ExportPanel } from './components/ExportPanel';
import { TryDemoButton } from './components/DemoControls';
import { ProjectFilePanel } from './components/ProjectFilePanel';
import { NewRouteForm } from './components/NewRouteForm';
import { ProxySettingsForm } from './components/ProxySettingsForm';
import { RouteDetail, type DetailTab } from './components/RouteDetail';
import { RouteList } from './components/RouteList';
import { ShortcutsHelp } from './components/ShortcutsHelp';
import { Sidebar, type Area } from './components/Sidebar';
import { SummaryBar } from './components/SummaryBar';
import { TrafficView } from './components/TrafficView';
import { useConnection, useLive } from './live-store';
import { createSession } from './session';
import { useShortcuts } from './shortcuts';

const selectedKey = 'switchyard.selectedRoute';

/** The selected route survives a reload of the tab. */
function storedSelection(): number | undefined {
  const value = Number(sessionStorage.getItem(selectedKey));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export function App() {
  const [session] = useState(createSession);
  useEffect(() => session.start(), [session]);
  const context = useMemo(() => ({ invoke: session.invoke, store: session.store, traffic: session.traffic }), [session]);

  if (!session.api) {
    return (
      <main className="empty-state">
        <h1>Switchyard</h1>
        <p>This page needs the address that <code>switchyard serve</code> printed: it carries the access token.</p>
        <p>
          Run <code>switchyard status</code> to see it again.
        </p>
      </main>
    );
  }
  return (
    <ApiContext.Provider value={context}>
      <Shell />
    </ApiContext.Provider>
  );
}

/** Sidebar, summary and the current area; holds what is selected and which dialog is open. */
function Shell() {
  const routes = useLive((s) => s.routes);
  const connection = useConnection();
  const [area, setArea] = useState<Area>('routes');
  const [selectedId, setSelectedId] = useState<number | undefined>(storedSelection);
  const [tab, setTab] = useState<DetailTab>('backends');
  const [newOpen, setNewOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [exportOpen, setExportOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [reveal, setReveal] = useState<number | undefined>();
  const searchRef = useRef<HTMLInputElement>(null);
  const focusSearchOnShow = useRef(false);

  // A route that went away (deleted here or elsewhere) hands the selection to the first one.
  const selected = routes?.find((r) => r.id === selectedId) ?? routes?.[0];
  const select = useCallback((id: number) => {
    setSelectedId(id);
    sessionStorage.setItem(selectedKey, String(id));
  }, []);

  const revealed = useCallback(() => setReveal(undefined), []);
  const onCreated = (route: Route) => {
    setNewOpen(false);
    setArea('routes');
    setTab('backends');
    select(route.id);
    setReveal(route.id);
    setAnnouncement(`Route ${routeLabel(route)} created and selected.`);
  };

  useEffect(() => {
    if (area !== 'routes' || !focusSearchOnShow.current) return;
    focusSearchOnShow.current = false;
    searchRef.current?.focus();
  }, [area]);

  useShortcuts({
    newRoute: () => setNewOpen(true),
    search: () => {
      if (area === 'routes') searchRef.current?.focus();
      else {
        focusSearchOnShow.current = true;
        setArea('routes');
      }
    },
    routes: () => setArea('routes'),
    traffic: () => setArea('traffic'),
    certificates: () => setArea('certificates'),
    settings: () => setArea('settings'),
    help: () => setHelpOpen(true),
  });

  return (
    <div className={`app${connection === 'offline' ? ' stale' : ''}`}>
      <Sidebar area={area} onArea={setArea} onHelp={() => setHelpOpen(true)} onExport={() => setExportOpen(true)} />
      <div className="main">
        <SummaryBar />
        <Banners />
        {area === 'routes' ? (
          <main className="routes-area" aria-labelledby="area-title">
            <RouteList
              selectedId={selected?.id}
              onSelect={select}
              onNew={() => setNewOpen(true)}
              searchRef={searchRef}
              reveal={reveal}
              onRevealed={revealed}
            />
            {selected ? (
              <RouteDetail route={selected} tab={tab} onTab={setTab} />
            ) : (
              <section className="route-detail empty" aria-label="No route selected">
                {routes?.length === 0 && (
                  <div className="welcome">
                    <h2>Route a host to your dev servers</h2>
                    <p className="muted">
                      A route sends requests for a host such as <code>api.myapp.localhost</code> to one or more backends and balances between them.
                    </p>
                    <button type="button" className="primary" onClick={() => setNewOpen(true)}>
                      New route
                    </button>
                    <div className="demo-offer">
                      <TryDemoButton onStarted={select} />
                    </div>
                  </div>
                )}
              </section>
            )}
          </main>
        ) : area === 'traffic' ? (
          <TrafficView />
        ) : area === 'certificates' ? (
          <CertificatesView />
        ) : (
          <main className="settings-area" aria-labelledby="area-title">
            <h1 id="area-title">Proxy settings</h1>
            <ProxySettingsForm />
            <ProjectFilePanel />
          </main>
        )}
      </div>
      <Dialog open={newOpen} onClose={() => setNewOpen(false)} title="New route">
        <NewRouteForm onCreated={onCreated} onCancel={() => setNewOpen(false)} />
      </Dialog>
      <Dialog open={helpOpen} onClose={() => setHelpOpen(false)} title="Keyboard shortcuts">
        <ShortcutsHelp />
      </Dialog>
      <Dialog open={exportOpen} onClose={() => setExportOpen(false)} title="Export to a production config">
        <ExportPanel />
      </Dialog>
      <div className="sr-only" role="status" aria-live="polite">
        {announcement}
      </div>
    </div>
  );
}
