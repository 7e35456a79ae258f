import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type ItemMap, type ItemUsers, type Served } from '../api.ts';
import { catalog } from '../catalog.ts';
import { ItemMapChart } from '../components/ItemMapChart.tsx';
import { RecList } from '../components/RecList.tsx';
import { Search } from '../components/Search.tsx';
import { dateText, hrefItem, hrefUser, propertyText } from '../format.ts';

/** An item: its properties and popularity, the items most similar to it, who interacted with it, and where it sits on the map of item vectors. */
export function ItemView({ item }: { item: string | null }) {
  const [info, setInfo] = useState<ItemUsers | null>(null);
  const [similar, setSimilar] = useState<Served[] | null>(null);
  const [map, setMap] = useState<ItemMap | null>(null);
  const [mapError, setMapError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (item === null) return;
    let current = true;
    Promise.all([api.itemUsers(item, 30), api.similar(item, 10).catch(() => null)])
      .then(async ([users, sim]) => {
        await catalog.ensure([item, ...(sim?.items.map((r) => r.item) ?? [])]);
        if (current) setInfo(users), setSimilar(sim?.items ?? null), setError(null);
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
    };
  }, [item]);

  useEffect(() => {
    // The map is the same for every item: asked once, after the item's own data.
    if (item !== null && map === null && mapError === null) api.itemMap().then(setMap, (e: Error) => setMapError(e.message));
  }, [item, map, mapError]);

  const findItems = useCallback(async (q: string) => {
    const found = await api.items(q, 8);
    catalog.add(found.items);
    return found.items.map((i) => ({ id: i.id, label: i.title ?? `item ${i.id}`, detail: `${i.popularity} interactions` }));
  }, []);

  return (
    <section aria-labelledby="item-heading">
      <h1 id="item-heading">{item === null ? 'Pick an item' : info ? (info.title ?? `Item ${item}`) : `Item ${item}`}</h1>
      <div class="toolbar">
        <Search label="Find an item" placeholder="title or id" find={findItems} onPick={(id) => (location.hash = hrefItem(id))} testId="item-search" suggest={item === null} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {item !== null && info && (
        <>
          <p class="facts" data-testid="item-facts">
            <span>id {info.item}</span>
            <span>
              {info.popularity} training interactions (#{info.popularityRank} most popular)
            </span>
            {propertyText(info.properties, 6) && <span>{propertyText(info.properties, 6)}</span>}
          </p>
          <div class="columns">
            <div class="panel">
              <h2>Similar items</h2>
              {similar ? <RecList items={similar} catalog={catalog} testId="similar" /> : <p class="muted">this model has no item vectors</p>}
            </div>
            <div class="panel">
              <h2>On the map</h2>
              {map ? (
                <ItemMapChart map={map} focus={item} neighbours={new Set(similar?.map((r) => r.item) ?? [])} titleOf={(id) => catalog.title(id)} />
              ) : (
                <p class="muted">{mapError ?? 'loading the map…'}</p>
              )}
            </div>
            <div class="panel">
              <h2>
                Who interacted <span class="muted small">latest {info.users.length}</span>
              </h2>
              <ul class="plain" data-testid="item-users">
                {info.users.map((u) => (
                  <li key={u.user}>
                    <a href={hrefUser(u.user)}>user {u.user}</a>{' '}
                    <span class="muted small">
                      {u.value !== null && `rated ${u.value}`} {dateText(u.timestamp)}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
