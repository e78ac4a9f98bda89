import { useEffect, useRef, useState } from 'react';
import { exportFormatLabels, exportFormats, type ExportFormat, type ExportedConfig } from '../../../shared/export-formats';
import { useApi } from '../api-context';
import { copyText, saveFile } from '../copy-and-save';
import './ExportPanel.css';

/** How long "Copied" or "Saved" stays on the button. */
const confirmMs = 2_000;

/**
 * The routes as a production config (routes.export): pick a format, read the
 * config, copy or save it. Read-only: it says what the running routes are, and
 * its comments say what the format cannot express and what to fill in.
 */
export function ExportPanel() {
  const { invoke } = useApi();
  const [format, setFormat] = useState<ExportFormat>('nginx');
  const [exported, setExported] = useState<ExportedConfig | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const copyRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let current = true;
    setError(undefined);
    void invoke('routes.export', { format }).then((answer) => {
      if (!current) return;
      if (answer.ok) setExported(answer.result);
      else setError(answer.error.message);
    });
    return () => {
      current = false;
    };
  }, [invoke, format]);

  useEffect(() => {
    if (!done) return;
    const timer = setTimeout(() => setDone(undefined), confirmMs);
    return () => clearTimeout(timer);
  }, [done]);

  const shown = exported?.format === format ? exported : undefined;
  const copy = async () => {
    if (!shown || !copyRef.current) return;
    setDone((await copyText(shown.text, copyRef.current)) ? 'Copied' : 'Select the text and copy it');
  };
  const save = () => {
    if (!shown) return;
    saveFile(shown.fileName, shown.text, 'text/plain');
    setDone(`Saved ${shown.fileName}`);
  };

  return (
    <div className="export-panel">
      <p className="muted">
        Every route as a config for a production load balancer. Comments in it say what to fill in (certificate files, Services) and which
        settings the format cannot express. Keys never leave Switchyard.
      </p>
      <fieldset className="export-formats">
        <legend>Format</legend>
        {exportFormats.map((id) => (
          <label key={id} className={id === format ? 'checked' : undefined}>
            <input type="radio" name="export-format" value={id} checked={id === format} onChange={() => setFormat(id)} />
            {exportFormatLabels[id]}
          </label>
        ))}
      </fieldset>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : (
        <textarea className="export-preview" readOnly aria-label={`${exportFormatLabels[format]} config`} value={shown?.text ?? 'Exporting…'} spellCheck={false} wrap="off" />
      )}
      <div className="export-actions">
        <span className="muted" aria-live="polite">
          {done ?? (shown ? `${shown.text.split('\n').length - 1} lines · ${shown.fileName}` : '')}
        </span>
        <button type="button" ref={copyRef} disabled={!shown} onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="primary" disabled={!shown} onClick={save}>
          Save {shown?.fileName ?? ''}
        </button>
      </div>
    </div>
  );
}
