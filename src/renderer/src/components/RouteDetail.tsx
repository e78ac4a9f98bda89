import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { AddBackendForm } from './AddBackendForm';
import { useLive } from '../live-store';
import { isL4 } from '../route-kinds';
import { BackendsTable } from './BackendsTable';
import { CachePanel } from './CachePanel';
import { RouteCharts } from './RouteCharts';
import { RouteHeader } from './RouteHeader';
import { HostHint } from './HostHint';
import { RouteSettingsForm } from './RouteSettingsForm';
import { TabPanel, Tabs } from './Tabs';
import { TimelinePanel } from './TimelinePanel';

export type DetailTab = 'backends' | 'charts' | 'cache' | 'settings' | 'timeline';

const idBase = 'route-detail';

/** The charts, refetched only when the live push moved the route's request count: a small component so only it re-renders then. */
function ChartsPanel({ routeId }: { routeId: number }) {
  const requests = useLive((s) => s.routeLive[routeId]?.requests);
  return <RouteCharts routeId={routeId} tick={requests} />;
}

/** The selected route: its header, then its backends, charts, settings or timeline in tabs. */
export function RouteDetail({ route, tab, onTab }: { route: Route; tab: DetailTab; onTab: (tab: DetailTab) => void }) {
  const label = routeLabel(route);
  // An L4 route relays bytes: nothing of it can be cached.
  const cacheTab = !isL4(route.kind);
  const shown = tab === 'cache' && !cacheTab ? 'backends' : tab;
  return (
    <section className="route-detail" aria-label={`Route ${label}`}>
      <RouteHeader route={route} />
      <HostHint route={route} />
      <Tabs
        label={`Sections of ${label}`}
        idBase={idBase}
        selected={shown}
        onSelect={onTab}
        tabs={[
          { id: 'backends', label: <>Backends <span className="tab-count">{route.backends.length}</span></> },
          { id: 'charts', label: 'Charts' },
          ...(cacheTab ? [{ id: 'cache' as const, label: route.settings.cache ? 'Cache' : <>Cache <span className="tab-count">off</span></> }] : []),
          { id: 'settings', label: 'Settings' },
          { id: 'timeline', label: 'Timeline' },
        ]}
      />
      <TabPanel idBase={idBase} selected={shown}>
        {shown === 'backends' && (
          <>
            <BackendsTable route={route} />
            <AddBackendForm key={route.id} routeId={route.id} label={label} kind={route.kind} />
          </>
        )}
        {shown === 'charts' && <ChartsPanel key={route.id} routeId={route.id} />}
        {shown === 'cache' && <CachePanel key={route.id} route={route} label={label} />}
        {shown === 'settings' && (
          // Escape leaves the form as Cancel does; saving or cancelling returns to the backends.
          <div onKeyDown={(e) => e.key === 'Escape' && onTab('backends')}>
            <RouteSettingsForm key={`${route.id}:${JSON.stringify(route.settings)}`} route={route} label={label} onDone={() => onTab('backends')} />
          </div>
        )}
        {shown === 'timeline' && <TimelinePanel key={route.id} routeId={route.id} label={label} />}
      </TabPanel>
    </section>
  );
}
