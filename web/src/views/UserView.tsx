import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type History, type ModelInfo, type Page } from '../api.ts';
import { catalog } from '../catalog.ts';
import { RecList } from '../components/RecList.tsx';
import { Search } from '../components/Search.tsx';
import { dateText, hrefItem, hrefUser, propertyText } from '../format.ts';

interface Lists {
  main: Page;
  other: Page | null;
  history: History;
}

/** A user: search, their history, their recommendations (and the second model's, side by side), with exclude-seen and a property filter. */
export function UserView({ user, model }: { user: string | null; model: ModelInfo | null }) {
  const [excludeSeen, setExcludeSeen] = useState(true);
  const [field, setField] = useState('');
  const [value, setValue] = useState('');
  const [expression, setExpression] = useState('');
  const [lists, setLists] = useState<Lists | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const fields = model?.itemFields ?? [];
  const compare = model?.compare ?? null;

  // Picking a property value writes the expression; the expression box stays editable for anything else.
  useEffect(() => {
    if (field !== '' && value !== '') setExpression(`${field} = ${JSON.stringify(value)}`);
  }, [field, value]);

  useEffect(() => {
    // Waits for the model's description, which says whether there is a second model to ask.
    if (user === null || model === null) return;
    let current = true;
    setLoading(true);
    const params = { user, k: 10, excludeSeen, explain: true, filter: expression.trim() || undefined };
    Promise.all([api.recommend(params), compare ? api.compare(params) : Promise.resolve(null), api.history(user)])
      .then(async ([main, other, history]) => {
        catalog.add(history.items);
        await catalog.ensure([...main.items, ...(other?.items ?? [])].flatMap((r) => [r.item, ...(r.reason?.items.map((c) => c.item) ?? [])]));
        if (current) setLists({ main, other, history }), setError(null);
      })
      .catch((e: Error) => current && setError(e.message))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [user, excludeSeen, expression, compare, model]);

  const findUsers = useCallback(async (q: string) => (await api.users(q, 8)).users.map((u) => ({ id: u.id, label: `user ${u.id}`, detail: `${u.interactions} interactions` })), []);
  // Items the user had that the model was not trained on (a test part, or ratings below a threshold): a recommendation among them is a hit you can see.
  const heldOut = new Map((lists?.history.items ?? []).filter((h) => !h.inTraining).map((h) => [h.item, h.value === null ? h.type : `rated ${h.value}`]));
  const shared = lists?.other ? new Set(lists.main.items.map((r) => r.item).filter((id) => lists.other!.items.some((o) => o.item === id))) : undefined;

  return (
    <section aria-labelledby="user-heading">
      <h1 id="user-heading">{user === null ? 'Pick a user' : `User ${user}`}</h1>
      <div class="toolbar">
        <Search label="Find a user" placeholder="user id, e.g. 196" find={findUsers} onPick={(id) => (location.hash = hrefUser(id))} testId="user-search" suggest={user === null} />
      </div>
      {user !== null && (
        <>
          <fieldset class="controls">
            <legend>Recommendation settings</legend>
            <label class="check">
              <input type="checkbox" checked={excludeSeen} onChange={(e) => setExcludeSeen((e.currentTarget as HTMLInputElement).checked)} data-testid="exclude-seen" /> exclude
              seen items
            </label>
            {fields.length > 0 && (
              <>
                <label>
                  <span>property</span>
                  <select value={field} onChange={(e) => (setField((e.currentTarget as HTMLSelectElement).value), setValue(''))} data-testid="filter-field">
                    <option value="">any</option>
                    {fields.map((f) => (
                      <option key={f.name} value={f.name}>
                        {f.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  <span>value</span>
                  <select value={value} onChange={(e) => setValue((e.currentTarget as HTMLSelectElement).value)} disabled={field === ''} data-testid="filter-value">
                    <option value="">any</option>
                    {fields
                      .find((f) => f.name === field)
                      ?.values.map((v) => (
                        <option key={v} value={v}>
                          {v}
                        </option>
                      ))}
                  </select>
                </label>
              </>
            )}
            <label class="grow">
              <span>filter</span>
              <input
                type="text"
                value={expression}
                placeholder='e.g. genre = "Comedy" and decade >= 1990'
                onChange={(e) => (setExpression((e.currentTarget as HTMLInputElement).value), setField(''), setValue(''))}
                data-testid="filter-expression"
              />
            </label>
          </fieldset>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {lists && (
            <div class={`columns ${loading ? 'loading' : ''}`}>
              <div class="panel">
                <h2>
                  Recommended <span class="muted small">{lists.main.modelVersion}</span>
                </h2>
                <RecList items={lists.main.items} catalog={catalog} marked={shared} heldOut={heldOut} testId="recs" />
              </div>
              {lists.other && (
                <div class="panel">
                  <h2>
                    Compared with <span class="muted small">{lists.other.modelVersion}</span>
                  </h2>
                  <p class="muted small">{shared?.size ?? 0} of 10 in both lists</p>
                  <RecList items={lists.other.items} catalog={catalog} marked={shared} heldOut={heldOut} testId="recs-compare" />
                </div>
              )}
              <div class="panel">
                <h2>
                  History <span class="muted small">{lists.history.total} items</span>
                </h2>
                <HistoryTable history={lists.history} />
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function HistoryTable({ history }: { history: History }) {
  if (history.items.length === 0) return <p class="muted">no interactions</p>;
  return (
    <div class="scroll">
      <table class="history" data-testid="history">
        <thead>
          <tr>
            <th>item</th>
            <th>{history.items[0].type === 'rating' ? 'rating' : 'event'}</th>
            <th>date</th>
          </tr>
        </thead>
        <tbody>
          {history.items.map((h) => (
            <tr key={h.item} class={h.inTraining ? '' : 'held-out'}>
              <td>
                <a href={hrefItem(h.item)}>{h.title ?? `item ${h.item}`}</a>
                <div class="muted small">
                  {propertyText(h.properties, 2)}
                  {!h.inTraining && <span class="badge">not in training</span>}
                </div>
              </td>
              <td>{h.value ?? h.type}</td>
              <td class="nowrap">{dateText(h.timestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
