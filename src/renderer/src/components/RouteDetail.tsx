import type { Route } from '../../../shared/model';
import { routeLabel } from '../../../shared/route-label';
import { AddBackendForm } from './AddBackendForm';
import { useLive } from '../live-store';
import { BackendsTable } from './BackendsTable';
import { RouteCharts } from './RouteCharts';
import { RouteHeader } from './RouteHeader';
import { RouteSettingsForm } from './RouteSettingsForm';
import { TabPanel, Tabs } from './Tabs';
import { TimelinePanel } from './TimelinePanel';

export type DetailTab = 'backends' | 'charts' | 'settings' | 'timeline';

const idBase = 'route-detail';

/** The charts, refetched only when the live push moved the route's request count: a small component so only it re-renders then. */
function ChartsPanel({ routeId }: { routeId: number }) {
  const requests = useLive((s) => s.routeLive[routeId]?.requests);
  return <RouteCharts routeId={routeId} tick={requests} />;
}

/** The selected route: its header, then its backends, charts, settings or timeline in tabs. */
export function RouteDetail({ route, tab, onTab }: { route: Route; tab: DetailTab; onTab: (tab: DetailTab) => void }) {
  const label = routeLabel(route);
  return (
    <section className="route-detail" aria-label={`Route ${label}`}>
      <RouteHeader route={route} />
      <Tabs
        label={`Sections of ${label}`}
        idBase={idBase}
        selected={tab}
        onSelect={onTab}
        tabs={[
          { id: 'backends', label: <>Backends <span className="tab-count">{route.backends.length}</span></> },
          { id: 'charts', label: 'Charts' },
          { id: 'settings', label: 'Settings' },
          { id: 'timeline', label: 'Timeline' },
        ]}
      />
      <TabPanel idBase={idBase} selected={tab}>
        {tab === 'backends' && (
          <>
            <BackendsTable route={route} />
            <AddBackendForm key={route.id} routeId={route.id} label={label} />
          </>
        )}
        {tab === 'charts' && <ChartsPanel key={route.id} routeId={route.id} />}
        {tab === 'settings' && (
          // Escape leaves the form as Cancel does; saving or cancelling returns to the backends.
          <div onKeyDown={(e) => e.key === 'Escape' && onTab('backends')}>
            <RouteSettingsForm key={`${route.id}:${JSON.stringify(route.settings)}`} route={route} label={label} onDone={() => onTab('backends')} />
          </div>
        )}
        {tab === 'timeline' && <TimelinePanel key={route.id} routeId={route.id} label={label} />}
      </TabPanel>
    </section>
  );
}
