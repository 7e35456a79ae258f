/** Just enough of the Prometheus text format for the service view: samples by name and labels. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

export interface ServiceSnapshot {
  at: number;
  requests: number;
  latencySum: number;
  /** Cumulative request counts by latency bucket upper bound (seconds), summed over routes. */
  buckets: Map<number, number>;
  events: number;
  version: string | null;
}

/** Totals over the API's routes (not /metrics and /v1/status, which the service view polls). */
export function snapshot(samples: Sample[], at: number): ServiceSnapshot {
  const s: ServiceSnapshot = { at, requests: 0, latencySum: 0, buckets: new Map(), events: 0, version: null };
  for (const x of samples) {
    const route = x.labels.route ?? '';
    const api = route !== '/metrics' && route !== '/v1/status' && route !== 'unknown';
    if (x.name === 'tastebud_http_request_duration_seconds_count' && api) s.requests += x.value;
    else if (x.name === 'tastebud_http_request_duration_seconds_sum' && api) s.latencySum += x.value;
    else if (x.name === 'tastebud_http_request_duration_seconds_bucket' && api) {
      const le = x.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(x.labels.le);
      s.buckets.set(le, (s.buckets.get(le) ?? 0) + x.value);
    } else if (x.name === 'tastebud_events_ingested_total') s.events = x.value;
    else if (x.name === 'tastebud_model_info') s.version = x.labels.version ?? null;
  }
  return s;
}

/** The q-quantile of the requests between two snapshots, from the histogram (upper bucket bound). */
export function quantileBetween(a: ServiceSnapshot, b: ServiceSnapshot, q: number): number | null {
  const total = b.requests - a.requests;
  if (total <= 0) return null;
  const bounds = [...b.buckets.keys()].sort((x, y) => x - y);
  for (const le of bounds) if ((b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0) >= q * total) return le;
  return null;
}
