import { useState, type FormEvent } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route } from '../../../shared/model';
import { useApi } from '../api-context';
import { Field } from './Field';

type Errors = Record<string, string>;

/** Host, optional path, algorithm and any number of backend URLs, created in one command. */
export function NewRouteForm({ onCreated, onCancel }: { onCreated: (route: Route) => void; onCancel: () => void }) {
  const { invoke } = useApi();
  const [host, setHost] = useState('');
  const [path, setPath] = useState('');
  const [algorithm, setAlgorithm] = useState<Algorithm>('round-robin');
  const [stripPrefix, setStripPrefix] = useState(false);
  const [backends, setBackends] = useState<string[]>(['']);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  // Stripping needs a prefix to strip: offered as soon as one is typed.
  const hasPrefix = path.trim() !== '' && path.trim() !== '/';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const answer = await invoke('routes.create', {
      host,
      path: path.trim() === '' ? '/' : path,
      algorithm,
      settings: hasPrefix && stripPrefix ? { stripPrefix: true } : {},
      backends: backends.filter((url) => url.trim() !== '').map((url) => ({ url })),
    });
    setBusy(false);
    if (!answer.ok) {
      setErrors(answer.error.field ? { [answer.error.field]: answer.error.message } : {});
      return;
    }
    onCreated(answer.result);
  };

  // Backend errors are indexed among the non-empty URLs that were sent.
  const sentIndex = (index: number) =>
    backends.slice(0, index + 1).filter((url) => url.trim() !== '').length - 1;

  return (
    // submit never rejects: invoke turns every failure into an answer, shown here or in the banner.
    <form className="new-route" onSubmit={(event) => void submit(event)} aria-label="New route" noValidate>
      <div className="row">
        <Field
          label="Host"
          className="grow"
          placeholder="api.myapp.localhost or *.myapp.localhost"
          value={host}
          onChange={(e) => setHost(e.target.value)}
          error={errors.host}
          autoFocus
        />
        <Field
          label="Path prefix (optional)"
          placeholder="e.g. /api"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          error={errors.path}
        />
        <div className="field">
          <label htmlFor="new-route-algorithm">Algorithm</label>
          <select
            id="new-route-algorithm"
            value={algorithm}
            onChange={(e) => setAlgorithm(e.target.value as Algorithm)}
          >
            {algorithms.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <span className="field-hint">{algorithmDescriptions[algorithm]}</span>
        </div>
      </div>
      {hasPrefix && (
        <div className="setting check strip-prefix">
          <label>
            <input type="checkbox" checked={stripPrefix} onChange={(e) => setStripPrefix(e.target.checked)} /> Strip the path prefix
          </label>
          <span className="field-hint">
            {path.trim().replace(/\/$/, '')}/users reaches the backend as /users.
          </span>
        </div>
      )}
      <fieldset className="backend-inputs">
        <legend>Backends</legend>
        {backends.map((url, index) => (
          <div className="row" key={index}>
            <Field
              label={`Backend URL ${index + 1}`}
              className="grow"
              placeholder="http://127.0.0.1:3000"
              value={url}
              onChange={(e) => setBackends(backends.map((u, i) => (i === index ? e.target.value : u)))}
              error={url.trim() === '' ? undefined : errors[`backends.${sentIndex(index)}.url`]}
            />
            {backends.length > 1 && (
              <button
                type="button"
                className="ghost remove-input"
                aria-label={`Remove backend URL ${index + 1}`}
                onClick={() => setBackends(backends.filter((_, i) => i !== index))}
              >
                ✕
              </button>
            )}
          </div>
        ))}
        <button type="button" className="ghost" onClick={() => setBackends([...backends, ''])}>
          + Another backend
        </button>
      </fieldset>
      <div className="actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Add route
        </button>
      </div>
    </form>
  );
}
