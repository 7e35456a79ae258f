/**
 * External string ids ↔ dense integer indices. Indices are assigned in first-seen order and never
 * change, so a map can be serialised into a model file and reloaded to translate the same ids.
 */
export class IdMap {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The index of `id`, adding it if new. */
  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }

  /** The index of `id`, or undefined when it is not in the map. */
  get(id: string): number | undefined {
    return this.index.get(id);
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** The external id of index `i`. */
  id(i: number): string {
    const id = this.ids[i];
    if (id === undefined) throw new RangeError(`index ${i} is outside the id map (size ${this.ids.length})`);
    return id;
  }

  /** All external ids in index order (a copy). */
  toArray(): string[] {
    return this.ids.slice();
  }

  toJSON(): string[] {
    return this.ids;
  }

  static fromJSON(ids: string[]): IdMap {
    return new IdMap(ids);
  }

  clone(): IdMap {
    return new IdMap(this.ids);
  }
}
