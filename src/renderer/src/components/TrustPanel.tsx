import { useId, useState } from 'react';
import type { CaTrust, TrustGuide, TrustInstructions } from '../../../shared/certificates';
import { useApi } from '../api-context';
import { CopyableCode } from './CopyButton';

/** A guide's steps: each sentence, then its command with a Copy button. */
function Steps({ guide }: { guide: TrustGuide<string> }) {
  return (
    <ol className="trust-steps">
      {guide.steps.map((step, index) => (
        <li key={index}>
          <p>{step.text}</p>
          {step.command !== undefined && <CopyableCode text={step.command} what={`the ${guide.title} command`} />}
        </li>
      ))}
    </ol>
  );
}

/** Guides as a row of buttons, one opened at a time under them: a dozen titles fit in a few lines, and the steps of the one picked. */
function Guides({ title, guides, initial }: { title: string; guides: TrustGuide<string>[]; initial?: string | undefined }) {
  const [open, setOpen] = useState(initial);
  const idBase = useId();
  const shown = guides.find((g) => g.id === open);
  return (
    <div className="trust-guides">
      <h3 className="trust-group">{title}</h3>
      <div className="guide-buttons">
        {guides.map((guide) => (
          <button
            key={guide.id}
            type="button"
            className="chip-button"
            aria-expanded={guide.id === open}
            aria-controls={`${idBase}-steps`}
            onClick={() => setOpen(guide.id === open ? undefined : guide.id)}
          >
            {guide.title}
          </button>
        ))}
      </div>
      {shown && (
        <div className="guide-steps" id={`${idBase}-steps`} role="region" aria-label={shown.title}>
          <Steps guide={shown} />
        </div>
      )}
    </div>
  );
}

/**
 * The system's own command under the system's password prompt, where the
 * shell can show one; elsewhere the core answers NOT_AVAILABLE with the
 * command to type, and that sentence is shown here.
 */
function InstallTrust({ trust, onChanged }: { trust: CaTrust; onChanged: () => void }) {
  const { invoke } = useApi();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  if (trust.state === 'trusted') return <p className="ok-text small">This system trusts the root: browsers and tools that use its store accept Switchyard's certificates.</p>;
  const install = async () => {
    setBusy(true);
    setOutcome(undefined);
    const answer = await invoke('certificates.installTrust', {});
    setBusy(false);
    if (answer.ok) {
      setOutcome({ ok: true, text: `Done (${answer.result.command}). ${answer.result.trust.detail}` });
      onChanged();
    } else setOutcome({ ok: false, text: answer.error.message });
  };
  return (
    <div className="install-trust">
      <button type="button" className="primary" disabled={busy} onClick={() => void install()}>
        {busy ? 'Waiting for the system…' : 'Trust on this system'}
      </button>
      <span className="muted small">Runs the command above behind your system's own password prompt.</span>
      {outcome && (
        <p className={outcome.ok ? 'ok-text small' : 'install-refused'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </div>
  );
}

/** "Trust the CA": this system's command first, with the button; the other systems and each client with a store of its own folded below. */
export function TrustPanel({ trust, instructions, onChanged }: { trust: CaTrust; instructions: TrustInstructions | undefined; onChanged: () => void }) {
  const current = instructions?.systems.find((s) => s.id === instructions.current);
  const others = instructions?.systems.filter((s) => s !== current) ?? [];
  return (
    <section className="card trust-panel" aria-labelledby="trust-title">
      <h2 id="trust-title">Trust the CA</h2>
      <p className="muted small">
        Browsers and tools accept Switchyard's certificates once they trust its root: once for this system, and once for each client that keeps a store
        of its own.
      </p>
      {!instructions ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          {current ? (
            <div className="trust-current">
              <h3>
                {current.title} <span className="chip info">this system</span>
              </h3>
              <Steps guide={current} />
              <InstallTrust trust={trust} onChanged={onChanged} />
            </div>
          ) : (
            <p>Switchyard does not recognise this system's trust store: pick yours below.</p>
          )}
          <Guides title={current ? 'Other systems' : 'Systems'} guides={others} />
          {/* Under WSL the Windows store matters as much as this one. */}
          <Guides title="Browsers and tools with their own store" guides={instructions.clients} initial={instructions.wsl ? 'wsl' : undefined} />
        </>
      )}
    </section>
  );
}
