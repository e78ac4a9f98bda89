import { useState, type FormEvent } from 'react';
import { useApi } from '../api-context';
import { Field } from './Field';

export function AddBackendForm({ routeId, label }: { routeId: number; label: string }) {
  const { invoke } = useApi();
  const [url, setUrl] = useState('');
  const [weight, setWeight] = useState('1');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await invoke('backends.add', { routeId, url, weight: weight.trim() === '' ? 1 : Number(weight) });
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
        placeholder="http://127.0.0.1:3001"
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
