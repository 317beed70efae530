import { useState } from 'preact/hooks';
import { describe, errorCode } from '../describe.ts';

/**
 * A one-field "name it and create it" form, for new experiments and new projects. `create`
 * sends the request and resolves to the new id; a refusal is shown in plain words.
 */
export function CreateForm(props: {
  label: string;
  button: string;
  name: string;
  create: (name: string) => Promise<{ id: string }>;
  onCreated: (id: string) => void;
  onError: (message: string) => void;
}) {
  const [name, setName] = useState('');
  return (
    <form
      class="new-experiment"
      onSubmit={(e) => {
        e.preventDefault();
        props.create(name.trim()).then(
          (created) => {
            setName('');
            props.onCreated(created.id);
          },
          (failure: unknown) => props.onError(describe(errorCode(failure))),
        );
      }}
    >
      <label>
        {props.label}
        <input name={props.name} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <button type="submit" disabled={!name.trim()}>{props.button}</button>
    </form>
  );
}
