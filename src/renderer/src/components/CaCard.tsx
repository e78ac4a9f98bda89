import { useId, useState, type FormEvent } from 'react';
import type { CertificateAuthorityInfo } from '../../../shared/certificates';
import { useApi } from '../api-context';
import { ipRangeLabel, trustLabels } from '../certificate-wording';
import { saveFile } from '../copy-and-save';
import { calendarDate, relativeTime } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { CopyableCode } from './CopyButton';
import { Field } from './Field';

/** Said wherever the domains change, as the core does it: users worry they must trust the CA again. */
const reissueNote = 'Adding or removing a domain re-issues the intermediate certificate. The root stays the same, so it stays trusted where it is.';

/** The user's own domains: add one (checked by the core, its sentence shown under the field) or remove one after a question. */
function Domains({ ca, onChanged, announce }: { ca: CertificateAuthorityInfo; onChanged: () => void; announce: (text: string) => void }) {
  const { invoke } = useApi();
  const [domain, setDomain] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | undefined>();
  const noteId = useId();

  // One domain added or removed by the core in its list as it is then: a list sent whole from here would drop a domain the CLI added meanwhile.
  const changeDomain = async (command: 'certificates.addDomain' | 'certificates.removeDomain', changed: string, done: string) => {
    setBusy(true);
    const answer = await invoke(command, { domain: changed });
    setBusy(false);
    if (!answer.ok) return answer.error.message;
    onChanged();
    announce(done);
    return undefined;
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const typed = domain.trim();
    const refused = await changeDomain('certificates.addDomain', typed, `${typed} added: the intermediate certificate was re-issued, and the root stays trusted.`);
    setError(refused);
    if (!refused) setDomain('');
  };

  const remove = async (gone: string) => {
    setRemoving(undefined);
    setError(await changeDomain('certificates.removeDomain', gone, `${gone} removed: the intermediate certificate was re-issued.`));
  };

  return (
    <>
      <ul className="permitted" aria-label="Names this CA may certify">
        {ca.permittedDomains.map((d) => {
          const own = ca.userDomains.includes(d);
          return (
            <li key={d} className={`permitted-name${own ? ' own' : ''}`} title={`${d} and every name under it (*.${d})`}>
              <code>{d}</code>
              {own && (
                <button type="button" className="link" aria-label={`Remove domain ${d}`} title={`Remove ${d}`} onClick={() => setRemoving(d)}>
                  ✕
                </button>
              )}
            </li>
          );
        })}
        {ca.permittedIpRanges.map((range) => (
          <li key={range} className="permitted-name" title="Loopback addresses only">
            <code>{ipRangeLabel(range)}</code>
          </li>
        ))}
      </ul>
      <p className="muted small">
        These domains with every name under them, and loopback addresses. Browsers refuse any other name from this CA, so even a copy of its files
        could not stand in for your bank.
      </p>
      {/* submit never rejects: invoke turns every failure into an answer, shown under the field. */}
      <form className="add-domain" aria-label="Add a domain" onSubmit={(event) => void add(event)} noValidate>
        <Field
          label="Add a domain of your own"
          className="grow"
          placeholder="dev.example.com"
          value={domain}
          onChange={(e) => {
            setDomain(e.target.value);
            setError(undefined);
          }}
          error={error}
          // The note stays under the row (the error, when there is one, is what the field announces).
          {...(error ? {} : { 'aria-describedby': noteId })}
        />
        <button type="submit" className="secondary" disabled={busy || domain.trim() === ''}>
          Add domain
        </button>
        <p className="field-hint reissue-note" id={noteId}>
          {reissueNote}
        </p>
      </form>
      <ConfirmDialog
        open={removing !== undefined}
        title="Remove domain?"
        confirm={`Remove ${removing ?? ''}`}
        onCancel={() => setRemoving(undefined)}
        onConfirm={() => void remove(removing ?? '')}
      >
        <p>
          Stop certifying names under <code>{removing}</code>? Certificates already issued for them are refused by clients from then on (the list marks
          them), until the domain is added again. {reissueNote}
        </p>
      </ConfirmDialog>
    </>
  );
}

/** The local CA: who it is, whether this system trusts it, what it may certify, and its root certificate to export (never a key). */
export function CaCard({ ca, onChanged, announce }: { ca: CertificateAuthorityInfo; onChanged: () => void; announce: (text: string) => void }) {
  const { invoke } = useApi();
  const trust = trustLabels[ca.trust.state];
  const exportRoot = async () => {
    const answer = await invoke('certificates.exportCa', {});
    if (!answer.ok) return;
    saveFile('root.crt', answer.result.certificatePem, 'application/x-x509-ca-cert');
    announce('root.crt downloaded: the root certificate, without its key.');
  };
  return (
    <section className="card ca-card" aria-labelledby="ca-title">
      <div className="card-head">
        <div>
          <h2 id="ca-title">Local certificate authority</h2>
          <p className="muted small ca-subject">{ca.subject}</p>
        </div>
        <button type="button" onClick={() => void exportRoot()} title="Download the root certificate (root.crt) for a trust store or a client; its key never leaves Switchyard">
          Export root certificate
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>Trust</dt>
          <dd>
            <span className={`chip ${trust.tone}`}>{trust.text}</span> <span className="muted small">{ca.trust.detail}</span>
          </dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>
            {relativeTime(ca.notAfter)} <span className="muted">({calendarDate(ca.notAfter)})</span>
          </dd>
        </div>
        <div>
          <dt>SHA-256</dt>
          <dd>
            <CopyableCode text={ca.fingerprint256} what="the root's SHA-256 fingerprint" />
          </dd>
        </div>
        <div>
          <dt>May certify</dt>
          <dd>
            <Domains ca={ca} onChanged={onChanged} announce={announce} />
          </dd>
        </div>
      </dl>
    </section>
  );
}
