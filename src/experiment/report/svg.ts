/**
 * Small inline-SVG charts for self-contained reports: line charts (training curves), horizontal
 * bar charts (test metrics with a reference line) and scatter plots (search trials). Each
 * returns one `<svg>` string with a title, axis labels and a legend; no scripts, no fonts beyond
 * the system sans-serif, so a report renders offline and in a headless browser.
 */

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#17becf', '#bcbd22'];
export const REFERENCE_COLOR = '#7f7f7f';
export const WARNING_COLOR = '#d62728';

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;
const AXIS = '#666';
const GRID = '#e6e6e6';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^n). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const start = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-6; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max - step * 1e-6) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Powers of ten (and 2×, 5× when the range is short) covering [min, max], for log axes. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mults = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let p = lo; p <= hi; p++) for (const m of mults) ticks.push(Number((m * 10 ** p).toPrecision(6)));
  const inside = ticks.filter((t) => t >= min * 0.999 && t <= max * 1.001);
  return inside.length >= 2 ? inside : [10 ** lo, 10 ** hi];
}

/** Compact tick label: 0.85, 1.2k, 3e-4. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000) return `${Number((v / 1000).toPrecision(3))}k`;
  if (a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function open(frame: Frame, title: string, kind: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" width="${frame.width}" height="${frame.height}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeXml(title)}" ${FONT} font-size="12">` +
    `<rect width="${frame.width}" height="${frame.height}" fill="#fff"/>` +
    `<text x="${frame.left}" y="20" font-size="14" font-weight="600" fill="#222">${escapeXml(title)}</text>`
  );
}

function yAxis(frame: Frame, ticks: number[], y: (v: number) => number, label: string): string {
  const plotRight = frame.width - frame.right;
  let s = '';
  for (const t of ticks) {
    const py = y(t).toFixed(1);
    s += `<line x1="${frame.left}" x2="${plotRight}" y1="${py}" y2="${py}" stroke="${GRID}"/>`;
    s += `<text x="${frame.left - 6}" y="${py}" dy="0.32em" text-anchor="end" fill="${AXIS}">${formatTick(t)}</text>`;
  }
  const midY = (frame.top + frame.height - frame.bottom) / 2;
  s += `<text transform="translate(14 ${midY.toFixed(1)}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(label)}</text>`;
  return s;
}

function xAxis(frame: Frame, ticks: number[], x: (v: number) => number, label: string): string {
  const base = frame.height - frame.bottom;
  let s = `<line x1="${frame.left}" x2="${frame.width - frame.right}" y1="${base}" y2="${base}" stroke="${AXIS}"/>`;
  for (const t of ticks) {
    const px = x(t).toFixed(1);
    s += `<line x1="${px}" x2="${px}" y1="${base}" y2="${base + 4}" stroke="${AXIS}"/>`;
    s += `<text x="${px}" y="${base + 16}" text-anchor="middle" fill="${AXIS}">${formatTick(t)}</text>`;
  }
  const midX = (frame.left + frame.width - frame.right) / 2;
  s += `<text x="${midX.toFixed(1)}" y="${frame.height - 8}" text-anchor="middle" fill="#333">${escapeXml(label)}</text>`;
  return s;
}

function legend(items: { name: string; color: string; dashed?: boolean; marker?: 'circle' | 'line' }[], x: number, y: number): string {
  let s = '';
  items.forEach((item, i) => {
    const cy = y + i * 18;
    if (item.marker === 'circle') s += `<circle cx="${x + 9}" cy="${cy}" r="4.5" fill="${item.color}"/>`;
    else s += `<line x1="${x}" x2="${x + 18}" y1="${cy}" y2="${cy}" stroke="${item.color}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    s += `<text x="${x + 24}" y="${cy}" dy="0.32em" fill="#333">${escapeXml(truncate(item.name, 22))}</text>`;
  });
  return s;
}

function truncate(text: string, n: number): string {
  return text.length <= n ? text : text.slice(0, n - 1) + '…';
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
  /** An x to mark with a ring (e.g. the best epoch). */
  mark?: number;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
}

/** Lines over a shared x axis, legend on the right; a series' `mark` gets a ring. */
export function lineChart(options: LineChartOptions): string {
  const series = options.series.filter((s) => s.points.some(([, y]) => Number.isFinite(y)));
  const legendWidth = 170;
  const frame: Frame = { width: options.width ?? 640, height: options.height ?? 300, left: 58, right: legendWidth + 16, top: 34, bottom: 44 };
  frame.height = Math.max(frame.height, frame.top + series.length * 18 + 10 + frame.bottom);
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  if (series.length === 0 || ys.length === 0) return emptyChart(options.title, 'no data', frame.width);
  const xTicks = integerTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const x = scale(xTicks[0], xTicks[xTicks.length - 1], frame.left, frame.width - frame.right);
  const y = scale(yTicks[0], yTicks[yTicks.length - 1], frame.height - frame.bottom, frame.top);
  let s = open(frame, options.title, 'line') + yAxis(frame, yTicks, y, options.yLabel) + xAxis(frame, xTicks, x, options.xLabel);
  for (const line of series) {
    const pts = line.points.filter(([, v]) => Number.isFinite(v));
    const d = pts.map(([px, py], i) => `${i ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join('');
    s += `<path class="series" d="${d}" fill="none" stroke="${line.color}" stroke-width="2" stroke-linejoin="round"${line.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    if (pts.length === 1) s += `<circle cx="${x(pts[0][0]).toFixed(1)}" cy="${y(pts[0][1]).toFixed(1)}" r="3" fill="${line.color}"/>`;
    const marked = line.mark === undefined ? undefined : pts.find(([px]) => px === line.mark);
    if (marked)
      s += `<circle cx="${x(marked[0]).toFixed(1)}" cy="${y(marked[1]).toFixed(1)}" r="5" fill="#fff" stroke="${line.color}" stroke-width="2"><title>${escapeXml(`${line.name}: best epoch ${marked[0]}, ${formatTick(marked[1])}`)}</title></circle>`;
  }
  s += legend(
    series.map((l) => ({ name: l.name, color: l.color, dashed: l.dashed })),
    frame.width - legendWidth,
    frame.top + 6,
  );
  return s + '</svg>';
}

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Short text after the value (e.g. "baseline", "below popularity"). */
  note?: string;
}

export interface BarChartOptions {
  title: string;
  xLabel: string;
  bars: Bar[];
  /** A vertical dashed line, e.g. the popularity baseline's value. */
  reference?: { value: number; label: string };
  width?: number;
}

/** Horizontal bars, one per model, value printed at the end, optional reference line. */
export function barChart(options: BarChartOptions): string {
  const bars = options.bars.filter((b) => Number.isFinite(b.value));
  const labelWidth = Math.min(180, 16 + 7 * Math.max(4, ...bars.map((b) => Math.min(24, b.label.length))));
  const rowHeight = 24;
  const frame: Frame = { width: options.width ?? 640, height: 0, left: labelWidth, right: 130, top: options.reference ? 52 : 36, bottom: 44 };
  frame.height = frame.top + Math.max(1, bars.length) * rowHeight + frame.bottom;
  if (bars.length === 0) return emptyChart(options.title, 'no finite values', frame.width);
  const values = bars.map((b) => b.value).concat(options.reference ? [options.reference.value] : []);
  const lo = Math.min(0, ...values);
  const ticks = niceTicks(lo, Math.max(...values) || 1);
  const x = scale(ticks[0], ticks[ticks.length - 1], frame.left, frame.width - frame.right);
  let s = open(frame, options.title, 'bar') + xAxis(frame, ticks, x, options.xLabel);
  for (const t of ticks) s += `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${frame.top - 6}" y2="${frame.height - frame.bottom}" stroke="${GRID}"/>`;
  bars.forEach((bar, i) => {
    const top = frame.top + i * rowHeight + 4;
    const x0 = x(Math.min(0, bar.value));
    const w = Math.max(1, Math.abs(x(bar.value) - x(0)));
    s += `<text x="${frame.left - 8}" y="${top + (rowHeight - 8) / 2}" dy="0.32em" text-anchor="end" fill="${bar.color === WARNING_COLOR ? WARNING_COLOR : '#222'}">${escapeXml(truncate(bar.label, 24))}</text>`;
    s += `<rect class="bar" x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${bar.color}"><title>${escapeXml(`${bar.label}: ${bar.value}`)}</title></rect>`;
    const note = bar.note ? ` · ${bar.note}` : '';
    s += `<text x="${(x0 + w + 6).toFixed(1)}" y="${top + (rowHeight - 8) / 2}" dy="0.32em" fill="${bar.color === WARNING_COLOR ? WARNING_COLOR : '#333'}">${formatValue(bar.value)}${escapeXml(note)}</text>`;
  });
  if (options.reference && Number.isFinite(options.reference.value)) {
    const rx = x(options.reference.value).toFixed(1);
    s += `<line class="reference" x1="${rx}" x2="${rx}" y1="${frame.top - 8}" y2="${frame.height - frame.bottom}" stroke="${REFERENCE_COLOR}" stroke-width="1.5" stroke-dasharray="4 3"/>`;
    s += `<text x="${rx}" y="${frame.top - 12}" text-anchor="middle" font-size="11" fill="${REFERENCE_COLOR}">${escapeXml(options.reference.label)}</text>`;
  }
  return s + '</svg>';
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** Drawn larger, ringed (e.g. the chosen trial). */
  highlight?: boolean;
  title?: string;
}

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  points: ScatterPoint[];
  logX?: boolean;
  color?: string;
  width?: number;
  height?: number;
}

/** Points (trial parameter vs validation metric); the highlighted one is the chosen trial. */
export function scatterChart(options: ScatterOptions): string {
  const points = options.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.logX || p.x > 0));
  const frame: Frame = { width: options.width ?? 320, height: options.height ?? 240, left: 58, right: 16, top: 34, bottom: 44 };
  if (points.length === 0) return emptyChart(options.title, 'no finite values', frame.width);
  const color = options.color ?? PALETTE[0];
  const xsRaw = points.map((p) => p.x);
  const [xmin, xmax] = [Math.min(...xsRaw), Math.max(...xsRaw)];
  const ys = points.map((p) => p.y);
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const y = scale(yTicks[0], yTicks[yTicks.length - 1], frame.height - frame.bottom, frame.top);
  let xTicks: number[];
  let x: (v: number) => number;
  if (options.logX) {
    const lo = xmin === xmax ? xmin / 2 : xmin;
    const hi = xmin === xmax ? xmax * 2 : xmax;
    xTicks = logTicks(lo, hi);
    const [a, b] = [Math.log10(Math.min(lo, xTicks[0])), Math.log10(Math.max(hi, xTicks[xTicks.length - 1]))];
    const inner = scale(a, b, frame.left + 8, frame.width - frame.right - 8);
    x = (v) => inner(Math.log10(v));
  } else {
    xTicks = niceTicks(xmin, xmax, 4);
    x = scale(xTicks[0], xTicks[xTicks.length - 1], frame.left + 8, frame.width - frame.right - 8);
  }
  let s = open(frame, options.title, 'scatter') + yAxis(frame, yTicks, y, options.yLabel) + xAxis(frame, xTicks, x, options.xLabel);
  for (const p of [...points].sort((a, b) => Number(a.highlight ?? false) - Number(b.highlight ?? false))) {
    const [cx, cy] = [x(p.x).toFixed(1), y(p.y).toFixed(1)];
    const title = p.title ? `<title>${escapeXml(p.title)}</title>` : '';
    s += p.highlight
      ? `<circle class="point best" cx="${cx}" cy="${cy}" r="6.5" fill="${color}" stroke="#222" stroke-width="2">${title}</circle>`
      : `<circle class="point" cx="${cx}" cy="${cy}" r="4.5" fill="${color}" fill-opacity="0.55" stroke="${color}">${title}</circle>`;
  }
  return s + '</svg>';
}

function emptyChart(title: string, message: string, width: number): string {
  const frame: Frame = { width, height: 80, left: 16, right: 16, top: 34, bottom: 10 };
  return open(frame, title, 'empty') + `<text x="${frame.left}" y="55" fill="#888">${escapeXml(message)}</text></svg>`;
}

/** Ticks for an integer axis such as epochs: whole numbers only. */
function integerTicks(min: number, max: number): number[] {
  if (max - min < 1) return [min, min + 1];
  const ticks = niceTicks(min, max, Math.min(8, max - min)).filter((t) => Number.isInteger(t));
  return ticks.length >= 2 ? ticks : [min, max];
}

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Metric values in text: 4 significant decimals for small numbers, fewer for large. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(3);
  return v.toFixed(4);
}
