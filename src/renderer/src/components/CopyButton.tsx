import { useEffect, useRef, useState } from 'react';
import { copyText } from '../copy-and-save';

/** How long "Copied" stays on the button. */
const confirmMs = 2_000;

/** A small Copy button for a fingerprint, a command or a path; says "Copied" (announced) for a moment. */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | undefined>();
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!outcome) return;
    const timer = setTimeout(() => setOutcome(undefined), confirmMs);
    return () => clearTimeout(timer);
  }, [outcome]);
  const copy = async () => {
    if (!ref.current) return;
    setOutcome((await copyText(text, ref.current)) ? 'copied' : 'failed');
  };
  return (
    <button type="button" ref={ref} className="copy" aria-label={`Copy ${what}`} title={`Copy ${what}`} onClick={() => void copy()}>
      <span aria-live="polite">{outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Select and copy it' : 'Copy'}</span>
    </button>
  );
}

/** A command or a path in monospace with its Copy button, as a terminal line. */
export function CopyableCode({ text, what }: { text: string; what: string }) {
  return (
    <div className="copyable">
      <code>{text}</code>
      <CopyButton text={text} what={what} />
    </div>
  );
}
