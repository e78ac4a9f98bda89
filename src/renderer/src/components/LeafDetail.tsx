import { useState } from 'react';
import type { LeafCertificateInfo } from '../../../shared/certificates';
import { useApi } from '../api-context';
import { baseName, leafStateLabels } from '../certificate-wording';
import { saveFile } from '../copy-and-save';
import { calendarDate } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { CopyableCode } from './CopyButton';
import { Expiry, LeafState } from './LeafList';

/** The selected certificate, under its row: its state and dates, its files for a dev server, and download, regenerate and remove. */
export function LeafDetail({
  leaf,
  onClose,
  onChanged,
  announce,
}: {
  leaf: LeafCertificateInfo;
  onClose: () => void;
  onChanged: () => void;
  announce: (text: string) => void;
}) {
  const { invoke } = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [removing, setRemoving] = useState(false);
  const names = leaf.names.join(', ');
  const renews = leaf.routes.length > 0;

  const regenerate = async () => {
    setBusy(true);
    setError(undefined);
    const answer = await invoke('certificates.regenerate', { id: leaf.id });
    setBusy(false);
    if (!answer.ok) {
      setError(answer.error.message);
      return;
    }
    onChanged();
    announce(`Certificate for ${names} re-issued with a new key, in the same files: restart a dev server that uses them.`);
  };

  const remove = async () => {
    setRemoving(false);
    setBusy(true);
    setError(undefined);
    const answer = await invoke('certificates.remove', { id: leaf.id });
    setBusy(false);
    if (!answer.ok) {
      setError(answer.error.message);
      return;
    }
    onChanged();
    announce(`Certificate for ${names} removed.`);
    onClose();
  };

  return (
    <aside className="leaf-detail" aria-label="Certificate">
      <div className="leaf-detail-head">
        <h3>{names}</h3>
        <button type="button" className="ghost" onClick={onClose} title="Close (Esc)">
          Close
        </button>
      </div>
      <div className="leaf-detail-body">
        <dl className="facts">
          <div>
            <dt>State</dt>
            <dd>
              <LeafState state={leaf.state} /> <span className="muted small">{leafStateLabels[leaf.state].why}</span>
            </dd>
          </div>
          <div>
            <dt>Valid</dt>
            <dd>
              from {calendarDate(leaf.notBefore)}, expires <Expiry notAfter={leaf.notAfter} />
            </dd>
          </div>
          <div>
            <dt>Renewal</dt>
            <dd>
              {renews
                ? `Switchyard renews it by itself from ${calendarDate(leaf.renewsAt)}, at the next HTTPS connection.`
                : 'No route uses it, so nothing renews it: regenerate it before it expires.'}
            </dd>
          </div>
          <div>
            <dt>SHA-256</dt>
            <dd>
              <CopyableCode text={leaf.fingerprint256} what="the certificate's SHA-256 fingerprint" />
            </dd>
          </div>
        </dl>

        <section className="leaf-files" aria-labelledby="leaf-files">
          <h4 id="leaf-files">Files for your dev server</h4>
          <p>Certificate then intermediate: what a server presents (nginx <code>ssl_certificate</code>, Node's tls <code>cert</code>).</p>
          <CopyableCode text={leaf.chainPath} what="the certificate chain's path" />
          <p>Private key:</p>
          <CopyableCode text={leaf.keyPath} what="the key's path" />
          <p className="muted small">
            The key stays in Switchyard's data folder (mode 0600, readable by your account only) for your dev server to read from there. Switchyard never
            sends a key, not even to this page.
          </p>
        </section>
      </div>

      <div className="leaf-actions">
        <button
          type="button"
          onClick={() => {
            saveFile(baseName(leaf.chainPath), leaf.chainPem, 'application/x-pem-file');
            announce(`${baseName(leaf.chainPath)} downloaded: the certificate and its chain, without the key.`);
          }}
        >
          Download certificate (PEM chain)
        </button>
        <button type="button" disabled={busy} onClick={() => void regenerate()} title="A new key and certificate for the same names, in the same files">
          Regenerate
        </button>
        <button type="button" className="ghost danger-ghost" disabled={busy} onClick={() => setRemoving(true)} aria-label={`Remove the certificate for ${names}`}>
          Remove
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog open={removing} title="Remove certificate?" confirm={`Remove ${leaf.names[0] ?? ''}`} onCancel={() => setRemoving(false)} onConfirm={() => void remove()}>
        <p>
          Delete the certificate for <code>{names}</code> and its key file?{' '}
          {renews
            ? 'Its routes get a new certificate at their next HTTPS connection.'
            : 'A dev server that reads these files will not start with them any more.'}
        </p>
      </ConfirmDialog>
    </aside>
  );
}
