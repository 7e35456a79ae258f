import type { ItemMap } from '../api.ts';
import { hrefItem } from '../format.ts';

/** A colour per category (the first ten most common), grey for the rest. */
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#92400e', '#65a30d'];

export function categoryColors(map: ItemMap): Map<string, string> {
  const counts = new Map<string, number>();
  for (const p of map.points) if (p.category !== null) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, PALETTE.length);
  return new Map(top.map(([c], i) => [c, PALETTE[i]]));
}

/**
 * Every item's vector on the first two principal components, coloured by category; the current
 * item and its neighbours drawn on top; the neighbours are links (Tab reaches them).
 */
export function ItemMapChart({ map, focus, neighbours, titleOf }: { map: ItemMap; focus: string; neighbours: Set<string>; titleOf: (id: string) => string }) {
  const size = 420;
  const pad = 12;
  const xs = map.points.map((p) => p.x);
  const ys = map.points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (size - 2 * pad);
  const sy = (y: number) => size - pad - ((y - y0) / (y1 - y0 || 1)) * (size - 2 * pad);
  const colors = categoryColors(map);
  const color = (c: string | null) => (c !== null ? (colors.get(c) ?? '#a3a3a3') : '#a3a3a3');
  const me = map.points.find((p) => p.item === focus);
  const near = map.points.filter((p) => neighbours.has(p.item));
  return (
    <figure class="map">
      <svg viewBox={`0 0 ${size} ${size}`} role="img" aria-label={`item vectors on two principal components, coloured by ${map.field ?? 'nothing'}`}>
        <rect x="0" y="0" width={size} height={size} class="map-bg" />
        {map.points.map((p) => (
          <circle key={p.item} cx={sx(p.x)} cy={sy(p.y)} r="2" fill={color(p.category)} opacity="0.55" />
        ))}
        {near.map((p) => (
          <a key={`n${p.item}`} href={hrefItem(p.item)} aria-label={titleOf(p.item)}>
            <circle cx={sx(p.x)} cy={sy(p.y)} r="5" fill="#fff" fill-opacity="0.01" stroke="#111" stroke-width="1.5" />
          </a>
        ))}
        {me && <circle cx={sx(me.x)} cy={sy(me.y)} r="8" fill={color(me.category)} stroke="#111" stroke-width="2.5" />}
      </svg>
      <figcaption>
        PCA of the item vectors ({map.explained.map((e) => `${(e * 100).toFixed(1)}%`).join(' + ')} of the variance), coloured by {map.field ?? '—'}. Large dot: this item; rings:
        its nearest items.
        <span class="legend-block">
          {[...colors.entries()].map(([c, col]) => (
            <span key={c} class="legend">
              <i style={{ background: col }} /> {c}
            </span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}
