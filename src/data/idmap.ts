/**
 * External string ids ↔ dense integer indices. Indices are assigned in first-seen order and never
 * change, so a map can be serialised into a model file and reloaded to translate the same ids.
 */
export class IdMap {
  private index = new Map<string, number>();
  private ids: string[] = [];
  /**
   * −1: this map owns `index` and `ids`. Otherwise this map is a copy (`clone`) sharing another
   * map's storage, and holds its first `view` entries only. Maps only ever append, so those
   * entries never change under it; the copy takes storage of its own when it is extended.
   */
  private view = -1;

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.view < 0 ? this.ids.length : this.view;
  }

  /** The index of `id`, adding it if new. */
  add(id: string): number {
    let i = this.get(id);
    if (i === undefined) {
      if (this.view >= 0) this.own();
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }

  /** The index of `id`, or undefined when it is not in the map. */
  get(id: string): number | undefined {
    const i = this.index.get(id);
    return i !== undefined && (this.view < 0 || i < this.view) ? i : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** The external id of index `i`. */
  id(i: number): string {
    const id = i < this.size ? this.ids[i] : undefined;
    if (id === undefined) throw new RangeError(`index ${i} is outside the id map (size ${this.size})`);
    return id;
  }

  /** All external ids in index order (a copy). */
  toArray(): string[] {
    return this.ids.slice(0, this.size);
  }

  toJSON(): string[] {
    return this.view < 0 ? this.ids : this.toArray();
  }

  static fromJSON(ids: string[]): IdMap {
    return new IdMap(ids);
  }

  /**
   * An independent copy: ids added to either map later do not show in the other. O(1) time and
   * memory: the copy shares this map's storage (maps only append, so its entries stay as they
   * are) and takes storage of its own, O(size), only when an id is added to it.
   */
  clone(): IdMap {
    const copy = new IdMap();
    copy.index = this.index;
    copy.ids = this.ids;
    copy.view = this.size;
    return copy;
  }

  /** Stops sharing: this map's own copy of the entries it holds. */
  private own(): void {
    const n = this.view;
    this.ids = this.ids.slice(0, n);
    this.index = new Map();
    for (let i = 0; i < n; i++) this.index.set(this.ids[i], i);
    this.view = -1;
  }
}
