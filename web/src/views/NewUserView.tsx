import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../api.ts';
import { catalog } from '../catalog.ts';
import { RecList } from '../components/RecList.tsx';
import { Search } from '../components/Search.tsx';
import { propertyText } from '../format.ts';

/** Be a new user: pick items you like; each pick is folded into the model (POST /v1/recommend with the history), no retraining. */
export function NewUserView() {
  const [picks, setPicks] = useState<string[]>([]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);

  const findItems = useCallback(async (q: string) => {
    const found = await api.items(q, 8);
    catalog.add(found.items);
    return found.items.map((i) => ({ id: i.id, label: i.title ?? `item ${i.id}`, detail: propertyText(i.properties, 1) }));
  }, []);

  useEffect(() => {
    let current = true;
    api
      .recommendHistory(
        picks.map((item) => ({ item })),
        10,
      )
      .then(async (p) => {
        await catalog.ensure(p.items.flatMap((r) => [r.item, ...(r.reason?.items.map((c) => c.item) ?? [])]));
        if (current) setPage(p), setError(null);
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [picks]);

  return (
    <section aria-labelledby="new-heading">
      <h1 id="new-heading">Be a new user</h1>
      <p class="muted">Pick a few items you like. The service folds them into the model as you pick: no account, no retraining.</p>
      <div class="columns">
        <div class="panel">
          <Search
            label="Find items"
            placeholder="title or id, e.g. star wars"
            find={findItems}
            onPick={(id) => !picks.includes(id) && setPicks([...picks, id])}
            testId="item-search"
          />
          <h2>Your picks</h2>
          {picks.length === 0 ? (
            <p class="muted">none yet: until you pick, the recommendations are the most popular items (the fallback)</p>
          ) : (
            <ul class="chips" data-testid="picks">
              {picks.map((id) => (
                <li key={id}>
                  {catalog.title(id)}{' '}
                  <button type="button" aria-label={`remove ${catalog.title(id)}`} onClick={() => setPicks(picks.filter((p) => p !== id))}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div class="panel">
          <h2>Recommended for you</h2>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {page && <RecList items={page.items} catalog={catalog} testId="new-recs" />}
        </div>
      </div>
    </section>
  );
}
