import type { Served } from '../api.ts';
import { hrefItem, num, propertyText } from '../format.ts';
import type { Properties } from '../api.ts';

export interface Catalog {
  title(id: string): string;
  properties(id: string): Properties | undefined;
}

/**
 * A ranked list of recommendations: title (a link to the item), score, source, and the
 * explanation — which of the user's items contributed and how much. `marked` items (in the
 * other model's list too) get a badge, and so do `heldOut` items: the user had them, the model
 * was not trained on them.
 */
export function RecList({ items, catalog, marked, heldOut, testId }: { items: Served[]; catalog: Catalog; marked?: Set<string>; heldOut?: Map<string, string>; testId: string }) {
  if (items.length === 0) return <p class="muted">nothing to recommend with these settings</p>;
  return (
    <ol class="recs" data-testid={testId}>
      {items.map((r) => (
        <li key={r.item} data-item={r.item} class={marked?.has(r.item) ? 'shared' : ''}>
          <div class="rec-head">
            <a href={hrefItem(r.item)}>{catalog.title(r.item)}</a>
            <span class="score" title="score">
              {num(r.score)}
            </span>
          </div>
          <div class="muted small">
            {propertyText(catalog.properties(r.item), 2)}
            {r.source === 'fallback' && <span class="badge warn">fallback: popular</span>}
            {marked?.has(r.item) && <span class="badge">in both</span>}
            {heldOut?.has(r.item) && <span class="badge held">held out: {heldOut.get(r.item)}</span>}
          </div>
          {r.reason && r.reason.items.length > 0 && (
            <div class="why small">
              because of{' '}
              {r.reason.items.map((c, i) => (
                <span key={c.item}>
                  {i > 0 && ', '}
                  <a href={hrefItem(c.item)}>{catalog.title(c.item)}</a> <span class="muted">({num(c.weight, 2)})</span>
                </span>
              ))}
              <span class="muted"> · {r.reason.method}</span>
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
