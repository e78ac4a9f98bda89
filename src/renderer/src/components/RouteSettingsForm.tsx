import { useState, type FormEvent, type ReactNode } from 'react';
import { hashKeySources } from '../../../shared/algorithms';
import { hostSchema, pathSchema, routeAddressSchema, routeSettingsPatchSchema, type Route, type RouteSettings } from '../../../shared/model';
import { useApi } from '../api-context';
import { healthChecksFor, isL4, kindWords, settingApplies } from '../route-kinds';

type Draft = Record<string, string | boolean>;

/** The settings' sections, in the order a user tunes them. */
const groups = [
  { id: 'routing', title: 'Routing' },
  { id: 'balancing', title: 'Balancing & sticky sessions' },
  { id: 'health', title: 'Health checks' },
  { id: 'ejection', title: 'Ejection on failing traffic' },
  { id: 'timeouts', title: 'Timeouts & retries' },
  { id: 'limits', title: 'Limits & responses' },
] as const;
type GroupId = (typeof groups)[number]['id'];

interface FieldSpec {
  /** hashKey, an object, has its own two inputs. */
  key: Exclude<keyof RouteSettings, 'hashKey'>;
  group: GroupId;
  label: string;
  hint: string;
  kind: 'boolean' | 'number' | 'choice' | 'text';
  choices?: readonly string[];
  /** Shown only when this returns true for the draft. */
  when?: (draft: Draft, route: Route) => boolean;
}

const fields: FieldSpec[] = [
  { key: 'sticky', group: 'balancing', label: 'Sticky sessions', kind: 'choice', choices: ['off', 'cookie', 'ip'], hint: 'Keep each client on one backend: by a cookie Switchyard sets, or by client address.' },
  { key: 'stickyCookie', group: 'balancing', label: 'Sticky cookie name', kind: 'text', hint: 'Name of the cookie that pins a client.', when: (d) => d.sticky === 'cookie' },
  { key: 'rateLimitRps', group: 'limits', label: 'Rate limit (requests/s)', kind: 'number', hint: '0 means no limit. Excess requests get 429 with Retry-After.' },
  { key: 'rateLimitBurst', group: 'limits', label: 'Burst', kind: 'number', hint: 'Requests allowed at once before the rate applies.', when: (d) => Number(d.rateLimitRps) > 0 },
  { key: 'rateLimitPer', group: 'limits', label: 'Limit applies', kind: 'choice', choices: ['ip', 'global'], hint: 'Per client address, or shared by all clients.', when: (d) => Number(d.rateLimitRps) > 0 },
  { key: 'cache', group: 'limits', label: 'Cache responses (RFC 9111)', kind: 'boolean', hint: 'Keep what backends allow a shared cache to keep, in memory; the Cache tab shows hits and why.' },
  { key: 'serveStaleWhenDown', group: 'limits', label: 'Serve stale when all backends are down', kind: 'boolean', hint: 'Answer from the cache even past freshness while no backend answers.', when: (d) => d.cache === true },
  { key: 'cacheStorage', group: 'limits', label: 'Keep the cache', kind: 'choice', choices: ['memory', 'disk'], hint: "disk: one file per response in the data folder, kept across restarts (nginx's proxy_cache_path).", when: (d) => d.cache === true },
  { key: 'cacheDiskMaxMb', group: 'limits', label: 'Disk cache size (MB)', kind: 'number', hint: 'Past it the least recently used responses go. Default 256.', when: (d) => d.cache === true && d.cacheStorage === 'disk' },
  { key: 'maxConnections', group: 'limits', label: 'Max connections', kind: 'number', hint: 'Open at once; one more is closed as soon as it is accepted. Default 1000.', when: (_, r) => isL4(r.kind) },
  { key: 'proxyProtocol', group: 'routing', label: 'PROXY protocol to backends', kind: 'choice', choices: ['off', 'v1', 'v2'], hint: "Tells each backend the real client's address (HAProxy's send-proxy); the backend must expect it." },
  { key: 'udpResponses', group: 'limits', label: 'Replies per datagram', kind: 'number', hint: 'End a session after this many replies (DNS: 1); 0 waits for the idle timeout.' },
  { key: 'healthSend', group: 'health', label: 'Probe datagram', kind: 'text', hint: 'Sent to each backend to check it.', when: (d) => d.healthCheck === 'udp' },
  { key: 'healthExpect', group: 'health', label: 'Expected reply contains', kind: 'text', hint: 'Empty: any reply.', when: (d) => d.healthCheck === 'udp' },
  { key: 'compression', group: 'limits', label: 'Compress responses (gzip/br)', kind: 'boolean', hint: 'Text and JSON the backend sent uncompressed; never event streams.' },
  { key: 'redirectHttps', group: 'routing', label: 'Redirect HTTP to HTTPS', kind: 'boolean', hint: 'Plain-HTTP requests get a 308 to the same URL on the HTTPS port. No HSTS is sent.' },
  { key: 'stripPrefix', group: 'routing', label: 'Strip the path prefix', kind: 'boolean', hint: '/api/users reaches the backend as /users.', when: (_, r) => r.path !== '/' },
  { key: 'rewriteHost', group: 'routing', label: "Send the backend's host as Host", kind: 'boolean', hint: 'Many dev servers (Vite, webpack) reject unknown Host headers.' },
  { key: 'verifyBackendTls', group: 'routing', label: 'Verify https backends', kind: 'boolean', hint: "Off accepts a dev server's self-signed certificate." },
  { key: 'backendHeader', group: 'routing', label: 'Add X-Switchyard-Backend', kind: 'boolean', hint: 'Response header naming the backend that answered.' },
  { key: 'healthCheck', group: 'health', label: 'Health checks', kind: 'choice', choices: ['tcp', 'http', 'udp', 'off'], hint: 'tcp: the port accepts connections; http: a request answers as expected; udp: a probe datagram gets its reply.' },
  { key: 'healthMethod', group: 'health', label: 'Check method', kind: 'choice', choices: ['GET', 'HEAD'], hint: 'GET can also match body text.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthPath', group: 'health', label: 'Check path', kind: 'text', hint: 'For example /health.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthStatuses', group: 'health', label: 'Healthy statuses', kind: 'text', hint: 'Like 2xx,3xx or 200,204.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthBody', group: 'health', label: 'Body contains', kind: 'text', hint: 'Empty: any body.', when: (d) => d.healthCheck === 'http' },
  { key: 'healthIntervalMs', group: 'health', label: 'Check every (ms)', kind: 'number', hint: 'Default 2000, with ±10% jitter.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthTimeoutMs', group: 'health', label: 'Check timeout (ms)', kind: 'number', hint: 'Default 1000.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthFall', group: 'health', label: 'Down after (failures)', kind: 'number', hint: 'Consecutive failed checks. Default 3.', when: (d) => d.healthCheck !== 'off' },
  { key: 'healthRise', group: 'health', label: 'Up after (passes)', kind: 'number', hint: 'Consecutive passed checks. Default 2.', when: (d) => d.healthCheck !== 'off' },
  { key: 'ejectAfter', group: 'ejection', label: 'Eject after (failures)', kind: 'number', hint: 'Consecutive errors on real traffic; 0 never ejects. Default 5.' },
  { key: 'ejectOn5xx', group: 'ejection', label: 'Count 5xx answers as failures', kind: 'boolean', hint: 'Off: only connect errors, resets and timeouts count.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'ejectBaseMs', group: 'ejection', label: 'Ejection time (ms)', kind: 'number', hint: 'Grows with each ejection. Default 30000.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'ejectMaxMs', group: 'ejection', label: 'Longest ejection (ms)', kind: 'number', hint: 'Default 300000.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'maxEjectedPercent', group: 'ejection', label: 'Max ejected (%)', kind: 'number', hint: 'Of the route at once; one may always go. Default 50.', when: (d) => Number(d.ejectAfter) > 0 },
  { key: 'panicThresholdPercent', group: 'balancing', label: 'Panic threshold (%)', kind: 'number', hint: 'Below this share healthy, use all backends. Default 50.' },
  { key: 'retries', group: 'timeouts', label: 'Retries', kind: 'number', hint: 'Other backends to try when one fails before answering.' },
  { key: 'connectTimeoutMs', group: 'timeouts', label: 'Connect timeout (ms)', kind: 'number', hint: 'Default 5000.' },
  { key: 'responseHeaderTimeoutMs', group: 'timeouts', label: 'Response header timeout (ms)', kind: 'number', hint: 'Default 60000.' },
  { key: 'idleTimeoutMs', group: 'timeouts', label: 'Idle timeout (ms)', kind: 'number', hint: 'Longest silence mid-response (HTTP, default 60000) or either way on a connection (TCP, default 600000).' },
];

function toDraft(settings: RouteSettings): Draft {
  const draft: Draft = {};
  for (const field of fields) {
    const value = settings[field.key];
    if (value !== undefined) draft[field.key] = typeof value === 'boolean' ? value : String(value);
  }
  draft.hashSource = settings.hashKey.source;
  draft.hashName = settings.hashKey.name ?? '';
  return draft;
}

function toPatch(draft: Draft, route: Route): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const value = draft[field.key];
    if (value === undefined || !settingApplies(route.kind, field.key)) continue;
    const parsed = field.kind === 'number' ? (String(value).trim() === '' ? null : Number(value)) : value;
    if (JSON.stringify(parsed) !== JSON.stringify(route.settings[field.key])) patch[field.key] = parsed;
  }
  if (isL4(route.kind)) return patch;
  const hashKey = draft.hashSource === 'path' ? { source: 'path' } : { source: draft.hashSource, name: draft.hashName };
  if (JSON.stringify(hashKey) !== JSON.stringify(route.settings.hashKey)) patch.hashKey = hashKey;
  return patch;
}

type FieldError = { field?: string; message: string };

/** The first problem the shared schema finds with one value, as the core would say it; undefined when fine. */
function checkValue(schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error?.issues[0]?.message;
}

function parsedValue(field: FieldSpec, value: string | boolean): unknown {
  return field.kind === 'number' ? (String(value).trim() === '' ? null : Number(value)) : value;
}

/** Focuses the input of the first field at fault, so the user lands on what to fix. */
function focusField(id: string | undefined): void {
  if (!id) return;
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

/**
 * Every per-route setting in sections, with the same validation as the CLI
 * and API: values are checked with the shared schema as they are typed, the
 * core's answer is shown next to its field, and Escape cancels.
 */
export function RouteSettingsForm({ route, label, onDone }: { route: Route; label: string; onDone: () => void }) {
  const { invoke } = useApi();
  const [draft, setDraft] = useState<Draft>(() => toDraft(route.settings));
  const [host, setHost] = useState(route.host);
  const [path, setPath] = useState(route.path);
  const [error, setError] = useState<FieldError | undefined>();
  const shape = routeSettingsPatchSchema.shape;
  const set = (key: string, value: string | boolean) => setDraft({ ...draft, [key]: value });
  const idOf = (key: string) => `${key}-${route.id}`;

  // Only what the route's kind has (the core's rule: an L4 route refuses HTTP-only settings), and what the draft calls for.
  const l4 = isL4(route.kind);
  const visible = fields.filter((field) => draft[field.key] !== undefined && settingApplies(route.kind, field.key) && (!field.when || field.when(draft, route)));
  /** Problems known before asking the core: the shared schema's rule for each visible field. */
  const typed: Record<string, string | undefined> = {
    host: checkValue(l4 ? routeAddressSchema : hostSchema, host),
    path: l4 ? undefined : checkValue(pathSchema, path.trim() === '' ? '/' : path),
  };
  for (const field of visible) {
    if (field.kind === 'number' || field.kind === 'text') typed[field.key] = checkValue(shape[field.key], parsedValue(field, draft[field.key]!));
  }
  const errorFor = (key: string) => typed[key] ?? (error?.field === key || error?.field?.startsWith(`settings.${key}`) ? error.message : undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const firstTyped = Object.entries(typed).find(([, message]) => message !== undefined);
    if (firstTyped) return focusField(idOf(firstTyped[0]));
    const answer = await invoke('routes.update', {
      id: route.id,
      ...(host !== route.host ? { host } : {}),
      ...(path !== route.path ? { path: path.trim() === '' ? '/' : path } : {}),
      settings: toPatch(draft, route),
    });
    if (answer.ok) return onDone();
    setError(answer.error);
    const key = answer.error.field?.replace(/^settings\./, '').split('.')[0];
    focusField(key ? idOf(key === 'hashKey' ? 'hash' : key) : undefined);
  };

  const hint = (key: string, text: string) => {
    const message = errorFor(key);
    return message ? (
      <span className="field-error" role="alert" id={`${idOf(key)}-error`}>
        {message}
      </span>
    ) : (
      <span className="field-hint">{text}</span>
    );
  };

  const textField = (key: 'host' | 'path') => (
    <div className={`setting ${errorFor(key) ? 'has-error' : ''}`} key={key}>
      <label htmlFor={idOf(key)}>{key === 'host' ? kindWords(route.kind).addressLabel : 'Path prefix'}</label>
      <input
        id={idOf(key)}
        value={key === 'host' ? host : path}
        aria-invalid={errorFor(key) ? true : undefined}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => (key === 'host' ? setHost : setPath)(e.target.value)}
      />
      {hint(key, key === 'host' ? kindWords(route.kind).addressHint : 'Longest prefix wins; / for everything.')}
    </div>
  );

  // An L4 route hashes the client's address: it has no request to take a key from.
  const hashKeyField = route.algorithm === 'consistent-hash' && !l4 && (
    <div className="setting" key="hash">
      <label htmlFor={idOf('hash')}>Hash key</label>
      <div className="row tight">
        <select id={idOf('hash')} value={String(draft.hashSource)} onChange={(e) => set('hashSource', e.target.value)}>
          {hashKeySources.map((source) => (
            <option key={source} value={source}>
              {source}
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
      {hint('hashKey', 'The request part whose value picks the backend.')}
    </div>
  );

  const settingField = (field: FieldSpec) => {
    const id = idOf(field.key);
    const fieldError = errorFor(field.key);
    if (field.kind === 'boolean') {
      return (
        <div className="setting check" key={field.key}>
          <label>
            <input id={id} type="checkbox" checked={Boolean(draft[field.key])} onChange={(e) => set(field.key, e.target.checked)} /> {field.label}
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
            {(field.key === 'healthCheck' ? healthChecksFor(route.kind, field.choices) : field.choices).map((choice) => (
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
            aria-describedby={fieldError ? `${id}-error` : undefined}
            onChange={(e) => set(field.key, e.target.value)}
          />
        )}
        {hint(field.key, field.hint)}
      </div>
    );
  };

  const extras: Partial<Record<GroupId, ReactNode[]>> = { routing: l4 ? [textField('host')] : [textField('host'), textField('path')], balancing: [hashKeyField] };
  const unplaced = error && !error.field?.startsWith('settings.') && error.field !== 'host' && error.field !== 'path';

  return (
    // submit never rejects: invoke turns every failure into an answer, shown here or in the banner.
    <form
      className="settings"
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onDone();
        }
      }}
      aria-label={`Settings for ${label}`}
      noValidate
    >
      {groups.map((group) => {
        const own = visible.filter((field) => field.group === group.id);
        const extra = extras[group.id] ?? [];
        if (own.length === 0 && extra.length === 0) return null;
        return (
          <fieldset className="settings-group" key={group.id}>
            <legend>{group.title}</legend>
            {extra}
            {own.map(settingField)}
          </fieldset>
        );
      })}
      {unplaced && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="actions">
        <button type="button" className="ghost" onClick={onDone} title="Escape">
          Cancel
        </button>
        <button type="submit" className="primary">
          Save settings
        </button>
      </div>
    </form>
  );
}
