import { useState, type FormEvent } from 'react';
import { algorithmDescriptions, algorithms, type Algorithm } from '../../../shared/algorithms';
import type { Route, RouteKind } from '../../../shared/model';
import { useApi } from '../api-context';
import { isL4, kindsOffered, kindWords, withScheme } from '../route-kinds';
import { Field } from './Field';
import './RouteKinds.css';

type Errors = Record<string, string>;

/** The kind, what names the route (a host, or a listen URL), an optional path, algorithm and any number of backend URLs, created in one command. */
export function NewRouteForm({ onCreated, onCancel }: { onCreated: (route: Route) => void; onCancel: () => void }) {
  const { invoke } = useApi();
  const [kind, setKind] = useState<RouteKind>('http');
  const [host, setHost] = useState('');
  const [path, setPath] = useState('');
  const [algorithm, setAlgorithm] = useState<Algorithm>('round-robin');
  const [stripPrefix, setStripPrefix] = useState(false);
  const [backends, setBackends] = useState<string[]>(['']);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const words = kindWords(kind);
  const l4 = isL4(kind);
  // Stripping needs a prefix to strip: offered as soon as one is typed.
  const hasPrefix = !l4 && path.trim() !== '' && path.trim() !== '/';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    // An L4 route is named by its listen URL: what was typed without a scheme gets the kind's, so the core parses it as that kind.
    const answer = await invoke('routes.create', {
      host: l4 ? withScheme(host, kind) : host,
      path: l4 || path.trim() === '' ? '/' : path,
      algorithm,
      settings: hasPrefix && stripPrefix ? { stripPrefix: true } : {},
      backends: backends.filter((url) => url.trim() !== '').map((url) => ({ url: l4 ? withScheme(url, words.backendScheme) : url })),
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
      <fieldset className="kind-choice">
        <legend>Kind</legend>
        <div className="segmented" role="radiogroup" aria-label="Route kind">
          {kindsOffered.map((k) => (
            <label key={k} className={`chip-button${k === kind ? ' selected' : ''}`}>
              <input
                type="radio"
                name="route-kind"
                value={k}
                checked={k === kind}
                onChange={() => {
                  setKind(k);
                  setErrors({});
                }}
              />
              {kindWords(k).label}
            </label>
          ))}
        </div>
        <span className="field-hint">{words.does}</span>
      </fieldset>
      <div className="row">
        <Field
          label={words.addressLabel}
          className="grow"
          placeholder={words.addressPlaceholder}
          value={host}
          onChange={(e) => setHost(e.target.value)}
          error={errors.host}
          hint={words.addressHint}
          // The dialog starts here, past the kind: most routes are HTTP, and the user types at once.
          data-autofocus
          autoFocus
        />
        {!l4 && (
          <Field
            label="Path prefix (optional)"
            placeholder="e.g. /api"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            error={errors.path}
          />
        )}
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
              placeholder={words.backendPlaceholder}
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
