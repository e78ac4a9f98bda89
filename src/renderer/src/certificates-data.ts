import { useCallback, useEffect, useRef, useState } from 'react';
import type { CertificatesOverview, TrustInstructions } from '../../shared/certificates';
import { useApi } from './api-context';
import { useLive } from './live-store';

/**
 * The engine issues a new route's certificate in the background after the
 * route is saved and says nothing when it is done, so the list is fetched
 * once more this long after a route change to show it.
 */
const routeCertificateSettleMs = 1_500;

/**
 * `certificates.get`, fetched again on `certificates.changed`, on route
 * changes (a certificate lists the routes that use it) and when the event
 * stream comes back; `certificates.trust` once per connection.
 */
export function useCertificates() {
  const { invoke } = useApi();
  const changes = useLive((s) => s.certificateChanges);
  const reconnects = useLive((s) => s.reconnects);
  const routes = useLive((s) => s.routes);
  const [reloads, setReloads] = useState(0);
  const [overview, setOverview] = useState<CertificatesOverview | undefined>();
  const [trust, setTrust] = useState<TrustInstructions | undefined>();

  useEffect(() => {
    let current = true;
    void invoke('certificates.get', {}).then((answer) => {
      if (current && answer.ok) setOverview(answer.result);
    });
    return () => {
      current = false;
    };
  }, [invoke, changes, reconnects, reloads]);

  // Not on mount: the first fetch is the one above.
  const seenRoutes = useRef(routes);
  useEffect(() => {
    if (seenRoutes.current === routes) return;
    seenRoutes.current = routes;
    const timer = setTimeout(() => setReloads((n) => n + 1), routeCertificateSettleMs);
    setReloads((n) => n + 1);
    return () => clearTimeout(timer);
  }, [routes]);

  useEffect(() => {
    let current = true;
    void invoke('certificates.trust', {}).then((answer) => {
      if (current && answer.ok) setTrust(answer.result);
    });
    return () => {
      current = false;
    };
  }, [invoke, reconnects]);

  /** After an action of this view: its answer is in before the event, which may also be lost with the stream. */
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { overview, trust, reload };
}
