import type { Properties } from './api.ts';

export function titleOf(entry: { id?: string; item?: string; title?: string | null; properties?: Properties }): string {
  const t = entry.title ?? entry.properties?.title ?? entry.properties?.name;
  return typeof t === 'string' && t !== '' ? t : `item ${entry.id ?? entry.item}`;
}

/** Properties other than the title, as short text: `genre: Comedy, Drama · decade: 1990`. */
export function propertyText(properties: Properties | undefined, max = 3): string {
  if (!properties) return '';
  return Object.entries(properties)
    .filter(([k]) => k !== 'title' && k !== 'name')
    .slice(0, max)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join(' · ');
}

export function dateText(seconds: number | null): string {
  if (seconds === null) return '';
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export function num(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return Number(v.toFixed(digits)).toString();
}

export function hrefUser(id: string): string {
  return `#/user/${encodeURIComponent(id)}`;
}
export function hrefItem(id: string): string {
  return `#/item/${encodeURIComponent(id)}`;
}
