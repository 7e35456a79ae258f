/** A small line chart in SVG (training curves, request rate): no chart library, no layout thrash. */
export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

export function LineChart({ series, height = 170, xLabel, label, zero = false }: { series: Series[]; height?: number; xLabel: string; label: string; zero?: boolean }) {
  const width = 400;
  const pad = { l: 48, r: 12, t: 10, b: 28 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  if (all.length === 0) return <p class="muted">no data</p>;
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  // Rates start at zero; a single value gets some room around it.
  let [y0, y1] = [zero ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = zero ? [0, y1 + 1] : [y0 - 1, y1 + 1];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const ticks = [y0, (y0 + y1) / 2, y1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={width - pad.r} y1={sy(t)} y2={sy(t)} class="grid" />
            <text x={pad.l - 6} y={sy(t) + 4} text-anchor="end" class="tick">
              {formatTick(t)}
            </text>
          </g>
        ))}
        <text x={(width + pad.l) / 2} y={height - 6} text-anchor="middle" class="tick">
          {xLabel}
        </text>
        {series.map((s) => (
          <g key={s.name}>
            <polyline fill="none" stroke={s.color} stroke-width="2" points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')} />
            {s.points.length <= 40 && s.points.map((p) => <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r="2.5" fill={s.color} />)}
          </g>
        ))}
      </svg>
      <figcaption>
        {series.map((s) => (
          <span key={s.name} class="legend">
            <i style={{ background: s.color }} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return `${(v / 1000).toFixed(1)}k`;
  if (a >= 10) return v.toFixed(0);
  if (a >= 0.01 || v === 0) return v.toFixed(3).replace(/\.?0+$/, '');
  return v.toExponential(1);
}
