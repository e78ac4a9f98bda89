import { useState, type FormEvent } from 'react';
import { hashKeySources } from '../../../shared/algorithms';
import type { Route, RouteSettings } from '../../../shared/model';
import { useApi } from '../api-context';

type Draft = Record<string, string | boolean>;

interface FieldSpec {
  /** hashKey, an object, has its own two inputs. */
  key: Exclude<keyof RouteSettings, 'hashKey'>;
  label: string;
  hint: string;
  kind: 'boolean' | 'number' | 'choice' | 'text';
  choices?: readonly string[];
  /** Shown only when this returns true for the draft. */
  when?: (draft: Draft, route: Route) => boolean;
}

const fields: FieldSpec[] = [
  { key: 'sticky', label: 'Sticky sessions', kind: 'choice', choices: ['off', 'cookie', 'ip'], hint: 'Keep each client on one backend: by a cookie Switchyard sets, or by client address.' },
  { key: 'stickyCookie', label: 'Sticky cookie name', kind: 'text', hint: 'Name of the cookie that pins a client.', when: (d) => d.sticky === 'cookie' },
  { key: 'rateLimitRps', label: 'Rate limit (requests/s)', kind: 'number', hint: '0 means no limit. Excess requests get 429 with Retry-After.' },
  { key: 'rateLimitBurst', label: 'Burst', kind: 'number', hint: 'Requests allowed at once before the rate applies.', when: (d) => Number(d.rateLimitRps) > 0 },
  { key: 'rateLimitPer', label: 'Limit applies', kind: 'choice', choices: ['ip', 'global'], hint: 'Per client address, or shared by all clients.', when: (d) => Number(d.rateLimitRps) > 0 },
  { key: 'compression', label: 'Compress responses (gzip/br)', kind: 'boolean', hint: 'Text and JSON the backend sent uncompressed; never event streams.' },
  { key: 'stripPrefix', label: 'Strip the path prefix', kind: 'boolean', hint: '/api/users reaches the backend as /users.', when: (_, r) => r.path !== '/' },
  { key: 'rewriteHost', label: "Send the backend's host as Host", kind: 'boolean', hint: 'Many dev servers (Vite, webpack) reject unknown Host headers.' },
  { key: 'verifyBackendTls', label: 'Verify https backends', kind: 'boolean', hint: "Off accepts a dev server's self-signed certificate." },
  { key: 'backendHeader', label: 'Add X-Switchyard-Backend', kind: 'boolean', hint: 'Response header naming the backend that answered.' },
  { key: 'healthCheck', label: 'Health checks', kind: 'choice', choices: ['tcp', 'http', 'off'], hint: 'tcp: the port accepts connections; http: a request answers as expected.' },
  { key: 'healthMethod', label: 'Check method', kind: 'choice', choices: ['GET', 'HEAD'], hint: 'GET can also match body text.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthPath', label: 'Check path', kind: 'text', hint: 'For example /health.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthStatuses', label: 'Healthy statuses', kind: 'text', hint: 'Like 2xx,3xx or 200,204.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthBody', label: 'Body contains', kind: 'text', hint: 'Empty: any body.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthIntervalMs', label: 'Check every (ms)', kind: 'number', hint: 'Default 2000, with ±10% jitter.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthTimeoutMs', label: 'Check timeout (ms)', kind: 'number', hint: 'Default 1000.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthFall', label: 'Down after (failures)', kind: 'number', hint: 'Consecutive failed checks. Default 3.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthRise', label: 'Up after (passes)', kind: 'number', hint: 'Consecutive passed checks. Default 2.', when: (d) => d.healthCheck !== 'off' },
  { key: 'ejectAfter', label: 'Eject after (failures)', kind: 'number', hint: 'Consecutive errors on real traffic; 0 never ejects. Default 5.' },
  { key: 'ejectOn5xx', label: 'Count 5xx answers as failures', kind: 'boolean', hint: 'Off: only connect errors, resets and timeouts count.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'ejectBaseMs', label: 'Ejection time (ms)', kind: 'number', hint: 'Grows with each ejection. Default 30000.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'ejectMaxMs', label: 'Longest ejection (ms)', kind: 'number', hint: 'Default 300000.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'maxEjectedPercent', label: 'Max ejected (%)', kind: 'number', hint: 'Of the route at once; one may always go. Default 50.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'panicThresholdPercent', label: 'Panic threshold (%)', kind: 'number', hint: 'Below this share healthy, use all backends. Default 50.' },
  { key: 'retries', label: 'Retries', kind: 'number', hint: 'Other backends to try when one fails before answering.' },
  { key: 'connectTimeoutMs', label: 'Connect timeout (ms)', kind: 'number', hint: 'Default 5000.' },
  { key: 'responseHeaderTimeoutMs', label: 'Response header timeout (ms)', kind: 'number', hint: 'Default 60000.' },
  { key: 'idleTimeoutMs', label: 'Idle timeout (ms)', kind: 'number', hint: 'Longest silence mid-response. Default 60000.' },
];

function toDraft(settings: RouteSettings): Draft {
  const draft: Draft = {};
  for (const field of fields) {
    const value = settings[field.key];
    draft[field.key] = typeof value === 'boolean' ? value : String(value);
  }
  draft.hashSource = settings.hashKey.source;
  draft.hashName = settings.hashKey.name ?? '';
  return draft;
}

function toPatch(draft: Draft, route: Route): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const value = draft[field.key]!;
    const parsed = field.kind === 'number' ? (String(value).trim() === '' ? null : Number(value)) : value;
    if (JSON.stringify(parsed) !== JSON.stringify(route.settings[field.key])) patch[field.key] = parsed;
  }
  const hashKey = draft.hashSource === 'path' ? { source: 'path' } : { source: draft.hashSource, name: draft.hashName };
  if (JSON.stringify(hashKey) !== JSON.stringify(route.settings.hashKey)) patch.hashKey = hashKey;
  return patch;
}

/** Every per-route setting, with the same validation as the CLI and API (errors come back per field). */
export function RouteSettingsForm({ route, label, onDone }: { route: Route; label: string; onDone: () => void }) {
  const { invoke } = useApi();
  const [draft, setDraft] = useState<Draft>(() => toDraft(route.settings));
  const [host, setHost] = useState(route.host);
  const [path, setPath] = useState(route.path);
  const [error, setError] = useState<{ field?: string; message: string } | undefined>();
  const set = (key: string, value: string | boolean) => setDraft({ ...draft, [key]: value });
  const errorFor = (key: string) => (error?.field?.startsWith(`settings.${key}`) ? error.message : undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await invoke('routes.update', {
      id: route.id,
      ...(host !== route.host ? { host } : {}),
      ...(path !== route.path ? { path: path.trim() === '' ? '/' : path } : {}),
      settings: toPatch(draft, route),
    });
    if (answer.ok) onDone();
    else setError(answer.error);
  };

  return (
    // submit never rejects: invoke turns every failure into an answer, shown here or in the banner.
    <form className="settings" onSubmit={(event) => void submit(event)} aria-label={`Settings for ${label}`} noValidate>
      {(['host', 'path'] as const).map((key) => {
        const fieldError = error?.field === key ? error.message : undefined;
        return (
          <div className={`setting ${fieldError ? 'has-error' : ''}`} key={key}>
            <label htmlFor={`${key}-${route.id}`}>{key === 'host' ? 'Host' : 'Path prefix'}</label>
            <input
              id={`${key}-${route.id}`}
              value={key === 'host' ? host : path}
              aria-invalid={fieldError ? true : undefined}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => (key === 'host' ? setHost : setPath)(e.target.value)}
            />
            {fieldError ? (
              <span className="field-error" role="alert">
                {fieldError}
              </span>
            ) : (
              <span className="field-hint">{key === 'host' ? 'Exact, *.wildcard, or * for every other host.' : 'Longest prefix wins; / for everything.'}</span>
            )}
          </div>
        );
      })}
      {route.algorithm === 'consistent-hash' && (
        <div className="setting">
          <label htmlFor={`hash-${route.id}`}>Hash key</label>
          <div className="row tight">
            <select id={`hash-${route.id}`} value={String(draft.hashSource)} onChange={(e) => set('hashSource', e.target.value)}>
              {hashKeySources.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            {draft.hashSource !== 'path' && (
              <input
                aria-label={`${draft.hashSource} name`}
                placeholder={draft.hashSource === 'header' ? 'X-User-Id' : 'session'}
                value={String(draft.hashName)}
                onChange={(e) => set('hashName', e.target.value)}
              />
            )}
          </div>
          {errorFor('hashKey') ? <span className="field-error" role="alert">{errorFor('hashKey')}</span> : <span className="field-hint">The request part whose value picks the backend.</span>}
        </div>
      )}
      {fields
        .filter((field) => !field.when || field.when(draft, route))
        .map((field) => {
          const id = `${field.key}-${route.id}`;
          const fieldError = errorFor(field.key);
          if (field.kind === 'boolean') {
            return (
              <div className="setting check" key={field.key}>
                <label>
                  <input type="checkbox" checked={Boolean(draft[field.key])} onChange={(e) => set(field.key, e.target.checked)} /> {field.label}
                </label>
                <span className="field-hint">{field.hint}</span>
              </div>
            );
          }
          return (
            <div className={`setting ${fieldError ? 'has-error' : ''}`} key={field.key}>
              <label htmlFor={id}>{field.label}</label>
              {field.choices ? (
                <select id={id} value={String(draft[field.key])} onChange={(e) => set(field.key, e.target.value)}>
                  {field.choices.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  inputMode={field.kind === 'number' ? 'decimal' : undefined}
                  value={String(draft[field.key])}
                  aria-invalid={fieldError ? true : undefined}
                  onChange={(e) => set(field.key, e.target.value)}
                />
              )}
              {fieldError ? <span className="field-error" role="alert">{fieldError}</span> : <span className="field-hint">{field.hint}</span>}
            </div>
          );
        })}
      {error && error.field !== 'host' && error.field !== 'path' && !error.field?.startsWith('settings.') && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="actions">
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Save settings
        </button>
      </div>
    </form>
  );
}
