import { api, type ItemSummary, type Properties } from './api.ts';
import type { Catalog } from './components/RecList.tsx';

/**
 * Titles and properties of the items the page has seen, filled by history and search answers
 * and, for ids it has not seen, one `GET /v1/items?ids=` per list.
 */
class ItemCatalog implements Catalog {
  private readonly items = new Map<string, { title: string | null; properties: Properties }>();

  add(entries: { id?: string; item?: string; title: string | null; properties: Properties }[]): void {
    for (const e of entries) this.items.set((e.id ?? e.item)!, { title: e.title, properties: e.properties });
  }

  async ensure(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.items.has(id));
    if (missing.length === 0) return;
    const found = await api.items('', missing.length, missing);
    this.add(found.items as ItemSummary[]);
  }

  title(id: string): string {
    return this.items.get(id)?.title ?? `item ${id}`;
  }

  properties(id: string): Properties | undefined {
    return this.items.get(id)?.properties;
  }
}

export const catalog = new ItemCatalog();
