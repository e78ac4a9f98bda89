import { Fragment, type ReactNode } from 'react';
import type { LeafCertificateInfo } from '../../../shared/certificates';
import { expiryWarningDays, keyTypeLabels, leafStateLabels } from '../certificate-wording';
import { calendarDate, daysUntil, relativeTime } from '../format';

/** When it expires, relative then as a date; in warning colours inside the renewal window. */
export function Expiry({ notAfter }: { notAfter: string }) {
  const soon = daysUntil(notAfter) < expiryWarningDays;
  return (
    <span className={soon ? 'warn-text expiry-soon' : undefined}>
      {relativeTime(notAfter)} <span className="muted small">{calendarDate(notAfter)}</span>
    </span>
  );
}

export function LeafState({ state }: { state: LeafCertificateInfo['state'] }) {
  const label = leafStateLabels[state];
  return (
    <span className={`chip ${label.tone}`} title={label.why}>
      {label.text}
    </span>
  );
}

/** Columns of the table, for the detail row that spans them. */
const columns = 5;

/** Every certificate the CA issued; a row opens its detail (files, download, regenerate, remove) under it. */
export function LeafList({
  leaves,
  selectedId,
  onSelect,
  onIssue,
  detail,
}: {
  leaves: LeafCertificateInfo[];
  selectedId: string | undefined;
  /** Undefined closes the detail (the selected row clicked again). */
  onSelect: (id: string | undefined) => void;
  onIssue: () => void;
  /** The selected certificate's detail, shown under its row. */
  detail: ReactNode;
}) {
  return (
    <section className="leaves" aria-labelledby="leaves-title">
      <div className="section-head">
        <div>
          <h2 id="leaves-title">
            Certificates <span className="tab-count">{leaves.length}</span>
          </h2>
          <p className="muted small">
            One for each route, issued when the route is saved and renewed 30 days before it expires, and those you issue for your own dev servers.
          </p>
        </div>
        <button type="button" className="primary" onClick={onIssue}>
          Issue a certificate
        </button>
      </div>
      {leaves.length === 0 ? (
        <p className="muted">None yet: add a route, or issue one for a dev server.</p>
      ) : (
        <div className="table-wrap">
          <table className="leaves-table" aria-labelledby="leaves-title">
            <thead>
              <tr>
                <th scope="col">Names</th>
                <th scope="col">Key</th>
                <th scope="col">Expires</th>
                <th scope="col">Used by</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {leaves.map((leaf) => {
                const [first, ...rest] = leaf.names;
                const selected = leaf.id === selectedId;
                return (
                  <Fragment key={leaf.id}>
                    <tr className={selected ? 'selected' : undefined} onClick={() => onSelect(selected ? undefined : leaf.id)}>
                      <td>
                        <button type="button" className="link leaf-name" data-leaf-id={leaf.id} aria-expanded={selected} aria-label={`${leaf.names.join(', ')} (${keyTypeLabels[leaf.keyType]})`}>
                          {first}
                        </button>
                        {rest.length > 0 && <span className="muted">{`, ${rest.join(', ')}`}</span>}
                      </td>
                      <td className="nowrap">{keyTypeLabels[leaf.keyType]}</td>
                      <td>
                        <Expiry notAfter={leaf.notAfter} />
                      </td>
                      <td>{leaf.routes.length > 0 ? leaf.routes.map((r) => r.host + (r.path === '/' ? '' : r.path)).join(', ') : <span className="muted">no route</span>}</td>
                      <td>
                        <LeafState state={leaf.state} />
                      </td>
                    </tr>
                    {selected && (
                      <tr className="leaf-detail-row">
                        <td colSpan={columns}>{detail}</td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
