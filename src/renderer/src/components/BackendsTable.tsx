import { memo } from 'react';
import type { Route } from '../../../shared/model';
import { BackendRow } from './BackendRow';

// A row renders again only when its backend changed or its own live stats did (it reads them from the store).
const Row = memo(BackendRow);

/** The route's backends with their live state; scrolls sideways inside its pane when the window is narrow. */
export function BackendsTable({ route }: { route: Route }) {
  if (route.backends.length === 0) return <p className="muted">No backends: requests to this route get a 503 until you add one.</p>;
  return (
    <div className="table-wrap">
      <table className="backends">
        <colgroup>
          <col className="on" />
          <col />
          <col className="checks" />
          <col className="weight" />
          <col className="recent" />
          <col className="actions" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">On</th>
            <th scope="col">Backend</th>
            <th scope="col">Checks</th>
            <th scope="col">Weight</th>
            <th scope="col" title="Share of the route's answers over the last minute">
              Recent share
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {route.backends.map((backend) => (
            <Row key={backend.id} backend={backend} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
