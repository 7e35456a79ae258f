import { useEffect, useRef, useState } from 'preact/hooks';

export interface Option {
  id: string;
  label: string;
  detail?: string;
}

/**
 * A search box with its results as buttons (Tab / arrow keys move, Enter picks). Asks `find`
 * after a short pause in typing; a slower answer to an older query never replaces a newer one.
 */
export function Search({
  label,
  placeholder,
  find,
  onPick,
  testId,
  suggest = true,
  picked,
}: {
  label: string;
  placeholder: string;
  find: (q: string) => Promise<Option[]>;
  onPick: (id: string) => void;
  testId: string;
  /** Show answers to the empty query (most active users, most popular items) before anything is typed. */
  suggest?: boolean;
  /** Ids already chosen: shown, not pickable again. */
  picked?: string[];
}) {
  const [q, setQ] = useState('');
  const [options, setOptions] = useState<Option[]>([]);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const list = useRef<HTMLUListElement>(null);
  const input = useRef<HTMLInputElement>(null);

  const showing = suggest || q.trim() !== '';
  useEffect(() => {
    const ticket = ++asked.current;
    if (!showing) return setOptions([]);
    const timer = setTimeout(() => {
      find(q).then(
        (found) => ticket === asked.current && (setOptions(found), setError(null)),
        (e: Error) => ticket === asked.current && setError(e.message),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [q, find, showing]);

  const move = (event: KeyboardEvent) => {
    const buttons = [...(list.current?.querySelectorAll('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      buttons[Math.min(at + 1, buttons.length - 1)]?.focus();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (at <= 0) input.current?.focus();
      else buttons[at - 1]?.focus();
    }
  };

  return (
    <div class="search" data-testid={testId}>
      <label>
        <span>{label}</span>
        <input
          ref={input}
          onKeyDown={move}
          type="search"
          value={q}
          placeholder={placeholder}
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
          autocomplete="off"
        />
      </label>
      {error && <p class="error">{error}</p>}
      <ul ref={list} class="options">
        {options.map((o) => (
          <li key={o.id}>
            <button type="button" onClick={() => onPick(o.id)} onKeyDown={move} data-id={o.id} disabled={picked?.includes(o.id)}>
              <span class="option-label">{o.label}</span>
              {o.detail && <span class="muted"> {o.detail}</span>}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
