import { useState, type FormEvent } from 'react';
import { certificateKeyTypes, type CertificateKeyType, type IssuedCertificate } from '../../../shared/certificates';
import { useApi } from '../api-context';
import { keyTypeLabels, parseNames } from '../certificate-wording';
import { Field } from './Field';

const keyTypeHints: Record<CertificateKeyType, string> = {
  'ecdsa-p256': 'the default: small and fast handshakes, accepted by every current client',
  'rsa-2048': 'for old clients that lack ECDSA (Java 7, Android 4, some embedded devices)',
};

/** Names and a key type; the core's refusal (a name outside the CA's domains...) shown under the names as its sentence. */
export function IssueCertificateForm({ onIssued, onCancel }: { onIssued: (issued: IssuedCertificate) => void; onCancel: () => void }) {
  const { invoke } = useApi();
  const [names, setNames] = useState('');
  const [keyType, setKeyType] = useState<CertificateKeyType>('ecdsa-p256');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const answer = await invoke('certificates.issue', { names: parseNames(names), keyType });
    setBusy(false);
    if (answer.ok) onIssued(answer.result);
    else setError(answer.error.message);
  };

  return (
    // submit never rejects: invoke turns every failure into an answer, shown under the names.
    <form className="issue-form" aria-label="Issue a certificate" onSubmit={(event) => void submit(event)} noValidate>
      <Field
        label="Names"
        placeholder="api.myapp.localhost *.myapp.localhost 127.0.0.1"
        value={names}
        onChange={(e) => {
          setNames(e.target.value);
          setError(undefined);
        }}
        error={error}
        hint="Host names, *.wildcards or loopback IPs, separated by commas or spaces."
      />
      <fieldset className="key-type">
        <legend>Key type</legend>
        {certificateKeyTypes.map((type) => (
          <label key={type}>
            <input type="radio" name="key-type" value={type} checked={keyType === type} onChange={() => setKeyType(type)} />
            <span>
              <strong>{keyTypeLabels[type]}</strong> <span className="muted small">— {keyTypeHints[type]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="muted small">
        You get the certificate and its chain to download, and the path of its key, which stays in Switchyard's data folder.
      </p>
      <div className="actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Issue certificate
        </button>
      </div>
    </form>
  );
}
