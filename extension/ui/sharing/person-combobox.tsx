import { useState } from 'preact/hooks';
import type { SharePerson } from '../../core/share-people.ts';

/**
 * The "Share with" field: a combobox (WAI-ARIA 1.2 pattern, list autocomplete) suggesting your
 * connections and project colleagues as you type. ArrowDown/ArrowUp move through the list,
 * Enter picks the highlighted person (or submits the form when none is), Escape closes the list
 * (and only the list: the dialog stays open). Any username or email can still be typed.
 */
const MAX_SHOWN = 8;

export function matches(people: SharePerson[], typed: string, exclude: ReadonlySet<string>): SharePerson[] {
  const q = typed.trim().toLowerCase();
  if (q.length === 0) return [];
  const starts = (s: string | null) => s !== null && s.toLowerCase().startsWith(q);
  const contains = (s: string | null) => s !== null && s.toLowerCase().includes(q);
  const fit = people.filter((p) => !exclude.has(p.user) && (contains(p.user) || contains(p.email)));
  // People whose name or address starts with what was typed come first.
  return [...fit.filter((p) => starts(p.user) || starts(p.email)), ...fit.filter((p) => !(starts(p.user) || starts(p.email)))].slice(0, MAX_SHOWN);
}

export function PersonCombobox(props: {
  value: string;
  onInput: (value: string) => void;
  people: SharePerson[];
  exclude: ReadonlySet<string>;
  disabled: boolean;
  describedBy?: string;
  /** The field's label; the Sharing dialog's by default. */
  label?: string;
}) {
  const { value, onInput, people, exclude, disabled } = props;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const options = matches(people, value, exclude);
  const shown = open && options.length > 0;
  const optionId = (i: number) => `share-person-${i}`;

  const pick = (person: SharePerson) => {
    onInput(person.user);
    setOpen(false);
    setActive(-1);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (options.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setOpen(true);
      setActive((i) => (!shown ? (step === 1 ? 0 : options.length - 1) : (i + step + options.length) % options.length));
    } else if (event.key === 'Enter' && shown && active >= 0 && options[active]) {
      event.preventDefault();
      pick(options[active]);
    } else if (event.key === 'Escape' && shown) {
      // Closes the list only; without this the dialog would close too.
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      setActive(-1);
    }
  };

  return (
    <div class="combobox">
      <label for="share-person">{props.label ?? 'Share with (username or email)'}</label>
      <input
        id="share-person"
        name="user"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls="share-person-list"
        aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
        aria-describedby={props.describedBy}
        autocomplete="off"
        value={value}
        disabled={disabled}
        required
        minLength={2}
        onInput={(e) => {
          onInput(e.currentTarget.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <ul id="share-person-list" role="listbox" aria-label="Suggested people" class="suggestions" hidden={!shown}>
        {shown &&
          options.map((p, i) => (
            <li
              key={p.user}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : undefined}
              data-testid={`suggestion-${p.user}`}
              // mousedown, not click: the input's blur would close the list before a click lands.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(p);
              }}
            >
              <span class="who">{p.user}</span>
              {p.email && <span class="email"> {p.email}</span>}
              {/* A username never starts with @: these are your groups (sharing/group-rows.tsx). */}
              <span class="source"> — {p.user.startsWith('@') ? `your group, ${p.projects.join(', ')}` : p.connected ? 'connected' : `in ${p.projects.join(', ')}`}</span>
            </li>
          ))}
      </ul>
    </div>
  );
}
