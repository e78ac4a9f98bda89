import { memo } from 'react';
import type { Route } from '../../../shared/model';
import { isL4 } from '../route-kinds';
import { weightsApply } from '../weights';
import { BackendRow } from './BackendRow';

// A row renders again only when its backend changed or its own live stats did (it reads them from the store).
const Row = memo(BackendRow);

/** The route's backends with their live state; scrolls sideways inside its pane when the window is narrow. */
export function BackendsTable({ route }: { route: Route }) {
  if (route.backends.length === 0) {
    return <p className="muted">{isL4(route.kind) ? 'No backends: connections to this route are closed at once until you add one.' : 'No backends: requests to this route get a 503 until you add one.'}</p>;
  }
  // Plain round-robin ignores weights: no column to edit what changes nothing.
  const showWeight = weightsApply(route);
  const columns = showWeight ? 6 : 5;
  return (
    <div className="table-wrap">
      <table className="backends">
        <colgroup>
          <col className="on" />
          <col />
          <col className="checks" />
          {showWeight && <col className="weight" />}
          <col className="recent" />
          <col className="actions" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">On</th>
            <th scope="col">Backend</th>
            <th scope="col">Checks</th>
            {showWeight && (
              <th scope="col" title={`How much traffic each backend gets relative to the others (${route.algorithm})`}>
                Weight
              </th>
            )}
            <th scope="col" title="Share of the route's answers over the last minute, answers per second and in all">
              Traffic
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        {route.backends.map((backend) => (
          <tbody key={backend.id} className="backend-group">
            <Row backend={backend} showWeight={showWeight} columns={columns} connections={isL4(route.kind)} />
          </tbody>
        ))}
      </table>
      {!showWeight && <p className="small muted weights-note">Weights are not shown: round-robin takes turns whatever the weight. Pick weighted-round-robin to use them.</p>}
    </div>
  );
}
