import { useEffect, useState, type FormEvent } from 'react';
import type { CommandInput } from '../../../shared/commands';
import { defaultProxySettings, type ProxySettings } from '../../../shared/proxy-settings';
import { useApi } from '../api-context';
import { useLive } from '../live-store';
import { Field } from './Field';
import { StandardPortsSetting } from './StandardPortsSetting';

/** The numeric settings; the access log's and the standard ports' switches are checkboxes of their own. */
type Key = Exclude<keyof ProxySettings, 'accessLog' | 'useStandardPorts'>;
type Draft = Record<Key, string> & { accessLog: boolean; useStandardPorts: boolean };

const fields: { key: Key; label: string; hint: string }[] = [
  {
    key: 'requestHeaderTimeoutMs',
    label: 'Request head timeout (ms)',
    hint: `Time a client has to send a whole request head; stops slow clients holding connections (HAProxy's timeout http-request). Default ${defaultProxySettings.requestHeaderTimeoutMs}.`,
  },
  {
    key: 'maxHeaderBytes',
    label: 'Largest request head (bytes)',
    hint: `Request line and headers together; a larger head gets 431. Default ${defaultProxySettings.maxHeaderBytes}.`,
  },
  {
    key: 'keepAliveTimeoutMs',
    label: 'Keep-alive timeout (ms)',
    hint: `How long an idle client connection stays open for its next request. Default ${defaultProxySettings.keepAliveTimeoutMs}.`,
  },
  {
    key: 'maxConnections',
    label: 'Connection limit',
    hint: `Client connections open at once, per listening address; more are closed at once (HAProxy's maxconn). Default ${defaultProxySettings.maxConnections}.`,
  },
  {
    key: 'trafficRecords',
    label: 'Traffic records kept',
    hint: `Exchanges kept in memory for the Traffic view and \`switchyard logs\`; 0 records nothing. Default ${defaultProxySettings.trafficRecords}.`,
  },
  {
    key: 'accessLogMaxBytes',
    label: 'Access log size (bytes)',
    hint: `access.log is rolled over to access.log.1 at this size. Default ${defaultProxySettings.accessLogMaxBytes}.`,
  },
];

function toDraft(settings: ProxySettings): Draft {
  return {
    requestHeaderTimeoutMs: String(settings.requestHeaderTimeoutMs),
    maxHeaderBytes: String(settings.maxHeaderBytes),
    keepAliveTimeoutMs: String(settings.keepAliveTimeoutMs),
    maxConnections: String(settings.maxConnections),
    trafficRecords: String(settings.trafficRecords),
    accessLogMaxBytes: String(settings.accessLogMaxBytes),
    accessLog: settings.accessLog,
    useStandardPorts: settings.useStandardPorts,
  };
}

/** The limits of the proxy's own listeners, for every route; the core validates and applies them without a restart. */
export function ProxySettingsForm() {
  const { invoke } = useApi();
  const reconnects = useLive((s) => s.reconnects);
  const [saved, setSaved] = useState<ProxySettings | undefined>();
  const [draft, setDraft] = useState<Draft | undefined>();
  const [error, setError] = useState<{ field: string; message: string } | undefined>();
  const [notice, setNotice] = useState('');

  useEffect(() => {
    let current = true;
    void invoke('settings.get', {}).then((answer) => {
      if (!current || !answer.ok) return;
      setSaved(answer.result);
      setDraft(toDraft(answer.result));
    });
    return () => {
      current = false;
    };
  }, [invoke, reconnects]);

  if (!saved || !draft) return <p className="muted">Loading the proxy settings…</p>;

  const changed = fields.filter((f) => draft[f.key].trim() !== String(saved[f.key]));
  const accessLogChanged = draft.accessLog !== saved.accessLog;
  const portsChanged = draft.useStandardPorts !== saved.useStandardPorts;
  const dirty = changed.length > 0 || accessLogChanged || portsChanged;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Only what changed; a blank or non-number reaches the core as such, so its sentence says what is allowed.
    const patch: Record<string, unknown> = Object.fromEntries(changed.map((f) => [f.key, draft[f.key].trim() === '' ? null : Number(draft[f.key])]));
    if (accessLogChanged) patch.accessLog = draft.accessLog;
    if (portsChanged) patch.useStandardPorts = draft.useStandardPorts;
    const answer = await invoke('settings.update', patch as CommandInput<'settings.update'>);
    if (!answer.ok) {
      setNotice('');
      setError(answer.error.field ? { field: answer.error.field, message: answer.error.message } : undefined);
      return;
    }
    setError(undefined);
    setSaved(answer.result);
    setDraft(toDraft(answer.result));
    // The ports are taken at start (standard-ports.ts says why); the limits apply at once.
    setNotice(portsChanged && changed.length === 0 && !accessLogChanged ? 'Saved: the ports change when Switchyard restarts.' : 'Saved: new connections and requests use these limits.');
  };
  const revert = () => {
    setDraft(toDraft(saved));
    setError(undefined);
  };

  return (
    <form
      className="proxy-settings card"
      aria-label="Proxy settings"
      noValidate
      onSubmit={(event) => void submit(event)}
      onKeyDown={(e) => e.key === 'Escape' && revert()}
    >
      <p className="muted">Limits of the proxy&apos;s listeners, for every route. They apply to the next connection and request, without a restart.</p>
      <div className="settings-grid">
        {fields.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            hint={f.hint}
            inputMode="numeric"
            value={draft[f.key]}
            onChange={(e) => {
              setDraft({ ...draft, [f.key]: e.target.value });
              setNotice('');
            }}
            error={error?.field === f.key ? error.message : undefined}
          />
        ))}
        <div className={`setting check ${error?.field === 'accessLog' ? 'has-error' : ''}`}>
          <label>
            <input
              type="checkbox"
              checked={draft.accessLog}
              onChange={(e) => {
                setDraft({ ...draft, accessLog: e.target.checked });
                setNotice('');
              }}
            />{' '}
            Access log
          </label>
          {error?.field === 'accessLog' ? (
            <span className="field-error" role="alert">
              {error.message}
            </span>
          ) : (
            <span className="field-hint">Append every request as a JSON line to access.log in the data directory (like Caddy&apos;s access log). Default off.</span>
          )}
        </div>
        <StandardPortsSetting
          checked={draft.useStandardPorts}
          saved={saved.useStandardPorts}
          onChange={(checked) => {
            setDraft({ ...draft, useStandardPorts: checked });
            setNotice('');
          }}
        />
      </div>
      <div className="actions">
        <span className="notice" role="status">
          {notice}
        </span>
        <button type="button" className="ghost" disabled={!dirty} onClick={revert} title="Undo unsaved changes (Esc)">
          Revert
        </button>
        <button type="submit" className="primary" disabled={!dirty}>
          Save settings
        </button>
      </div>
    </form>
  );
}
