import { useRef, useState, type ChangeEvent } from 'react';
import type { ProjectDiff } from '../../../shared/project';
import { useApi } from '../api-context';
import { saveFile } from '../copy-and-save';
import { counted } from '../format';
import './ProjectAndDemo.css';

const marks = { add: '+', change: '~', remove: '−' } as const;

function DiffList({ diff, prune }: { diff: ProjectDiff; prune: boolean }) {
  return (
    <>
      {diff.changes.length === 0 ? (
        <p>Nothing to change: the running routes already are the file's.</p>
      ) : (
        <ul className="project-diff" aria-label="Changes">
          {diff.changes.map((change, index) => (
            <li key={index} className={`diff-${change.action}`}>
              <span aria-hidden="true">{marks[change.action]} </span>
              <span className="sr-only">{change.action} </span>
              {change.kind === 'settings' ? '' : `${change.kind} `}
              <strong>{change.target}</strong>
              {change.details.length > 0 && (
                <ul>
                  {change.details.map((detail) => (
                    <li key={detail}>{detail}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      {!prune && diff.notInFile.length > 0 && (
        <p className="muted">
          Not in the file, kept: {diff.notInFile.map((change) => `${change.kind} ${change.target}`).join(', ')}. Tick “Also remove” to remove them.
        </p>
      )}
    </>
  );
}

/**
 * Export the running routes as switchyard.json (a download), or import one:
 * the diff first, applied on confirm, as `switchyard apply` does.
 */
export function ProjectFilePanel() {
  const { invoke } = useApi();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; text: string } | undefined>();
  const [prune, setPrune] = useState(false);
  const [diff, setDiff] = useState<ProjectDiff | undefined>();
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();

  const exportFile = async () => {
    const answer = await invoke('project.export', {});
    if (!answer.ok) return setMessage({ error: true, text: answer.error.message });
    saveFile(answer.result.fileName, answer.result.text, 'application/json');
    setMessage({ error: false, text: `Saved ${answer.result.fileName}. Apply it with \`switchyard apply\`, or import it here.` });
  };

  const review = async (picked: { name: string; text: string }, withPrune: boolean) => {
    setDiff(undefined);
    const answer = await invoke('project.diff', { text: picked.text, prune: withPrune });
    if (!answer.ok) return setMessage({ error: true, text: `${picked.name}:${answer.error.message}` });
    setMessage(undefined);
    setDiff(answer.result);
  };

  const onPick = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    event.target.value = '';
    if (!chosen) return;
    const picked = { name: chosen.name, text: await chosen.text() };
    setFile(picked);
    await review(picked, prune);
  };

  const apply = async () => {
    if (!file) return;
    const answer = await invoke('project.apply', { text: file.text, prune });
    if (!answer.ok) return setMessage({ error: true, text: `${file.name}:${answer.error.message}` });
    setDiff(undefined);
    setFile(undefined);
    setMessage({ error: false, text: answer.result.applied ? `Applied ${counted(answer.result.changes.length, 'change')} from ${file.name}.` : 'Nothing to change.' });
  };

  return (
    <section className="project-file" aria-labelledby="project-file-title">
      <h2 id="project-file-title">Project file</h2>
      <p className="muted">
        Keep a project's routes in its repository as <code>switchyard.json</code>; <code>switchyard apply</code> (or Import here) makes the running routes match it.
      </p>
      <div className="actions">
        <button type="button" onClick={() => void exportFile()}>
          Export switchyard.json
        </button>
        <button type="button" onClick={() => input.current?.click()}>
          Import…
        </button>
        <input ref={input} type="file" accept=".json,application/json" hidden aria-label="Project file to import" onChange={(e) => void onPick(e)} />
      </div>
      {message && (
        <p className={message.error ? 'field-error' : 'muted'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {file && diff && (
        <div className="project-review" role="group" aria-label={`Changes from ${file.name}`}>
          <h3>Changes from {file.name}</h3>
          <DiffList diff={diff} prune={prune} />
          <label>
            <input
              type="checkbox"
              checked={prune}
              onChange={(e) => {
                setPrune(e.target.checked);
                void review(file, e.target.checked);
              }}
            />{' '}
            Also remove routes, backends and domains the file does not name
          </label>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void apply()} disabled={diff.changes.length === 0}>
              Apply {counted(diff.changes.length, 'change')}
            </button>
            <button type="button" onClick={() => setFile(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
