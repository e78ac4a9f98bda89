import { useState, type FormEvent } from 'react';
import type { RouteKind } from '../../../shared/model';
import { useApi } from '../api-context';
import { isL4, kindWords, withScheme } from '../route-kinds';
import { Field } from './Field';

export function AddBackendForm({ routeId, label, kind = 'http' }: { routeId: number; label: string; kind?: RouteKind }) {
  const words = kindWords(kind);
  const { invoke } = useApi();
  const [url, setUrl] = useState('');
  const [weight, setWeight] = useState('1');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await invoke('backends.add', { routeId, url: isL4(kind) ? withScheme(url, words.backendScheme) : url, weight: weight.trim() === '' ? 1 : Number(weight) });
    if (!answer.ok) {
      setErrors(answer.error.field ? { [answer.error.field]: answer.error.message } : {});
      return;
    }
    setErrors({});
    setUrl('');
    setWeight('1');
  };

  return (
    // submit never rejects: invoke turns every failure into an answer, shown here or in the banner.
    <form className="row add-backend" onSubmit={(event) => void submit(event)} aria-label={`Add backend to ${label}`} noValidate>
      <Field
        label="New backend URL"
        className="grow"
        placeholder={words.backendPlaceholder}
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={errors.url}
      />
      <Field
        label="Weight"
        className="narrow"
        inputMode="numeric"
        value={weight}
        onChange={(e) => setWeight(e.target.value)}
        error={errors.weight}
      />
      <button type="submit" className="secondary">
        Add backend
      </button>
    </form>
  );
}
