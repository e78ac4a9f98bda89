import { useState } from 'react';
import type { IssuedCertificate } from '../../../shared/certificates';
import { useCertificates } from '../certificates-data';
import { useHttpsPort } from '../live-store';
import { CaCard } from './CaCard';
import { Dialog } from './Dialog';
import { IssueCertificateForm } from './IssueCertificateForm';
import { LeafDetail } from './LeafDetail';
import { LeafList } from './LeafList';
import { RoutesWithoutHttps } from './RoutesWithoutHttps';
import { TrustPanel } from './TrustPanel';

/** The Certificates area: the local CA and how to trust it side by side, then every certificate it issued, the selected one's detail under its row. */
export function CertificatesView() {
  const { overview, trust, reload } = useCertificates();
  const httpsPort = useHttpsPort();
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const [issuing, setIssuing] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const selected = overview?.leaves.find((leaf) => leaf.id === selectedId);

  // Closing the detail (Escape, Close) gives the focus back to its row, as a dialog gives it back to its opener.
  const closeDetail = () => {
    if (selectedId === undefined) return;
    setSelectedId(undefined);
    document.querySelector<HTMLElement>(`[data-leaf-id="${CSS.escape(selectedId)}"]`)?.focus();
  };

  const issued = (leaf: IssuedCertificate) => {
    setIssuing(false);
    setSelectedId(leaf.id);
    reload();
    setAnnouncement(`Certificate issued for ${leaf.names.join(', ')} and selected.`);
  };

  return (
    <main
      className="certs-area"
      aria-labelledby="area-title"
      // Escape in a dialog closes the dialog alone.
      onKeyDown={(e) => e.key === 'Escape' && !(e.target as Element).closest('dialog') && closeDetail()}
    >
      <div className="certs-main">
        <header className="certs-head">
          <h1 id="area-title">Certificates</h1>
          <p className="muted">
            Switchyard's own certificate authority issues a certificate for every route, served on{' '}
            {httpsPort === undefined ? 'the HTTPS listener' : <code>https://&lt;host&gt;:{httpsPort}/</code>}, and for your own dev servers. Trust its root
            once and browsers show them as secure.
          </p>
        </header>
        {!overview ? (
          <p className="muted">Loading…</p>
        ) : (
          <>
            <div className="certs-top">
              <CaCard ca={overview.ca} onChanged={reload} announce={setAnnouncement} />
              <TrustPanel trust={overview.ca.trust} instructions={trust} onChanged={reload} />
            </div>
            <RoutesWithoutHttps routes={overview.routesWithoutHttps} />
            <LeafList
              leaves={overview.leaves}
              selectedId={selected?.id}
              onSelect={setSelectedId}
              onIssue={() => setIssuing(true)}
              detail={selected && <LeafDetail key={selected.id} leaf={selected} onClose={closeDetail} onChanged={reload} announce={setAnnouncement} />}
            />
          </>
        )}
      </div>
      <Dialog open={issuing} onClose={() => setIssuing(false)} title="Issue a certificate">
        <IssueCertificateForm onIssued={issued} onCancel={() => setIssuing(false)} />
      </Dialog>
      <div className="sr-only" role="status" aria-live="polite">
        {announcement}
      </div>
    </main>
  );
}
