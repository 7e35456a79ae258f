import { useEffect, useState } from 'preact/hooks';
import { api, type Retraining } from '../api.ts';
import { LineChart } from '../components/Chart.tsx';
import { num } from '../format.ts';
import { parsePrometheus, quantileBetween, snapshot, type ServiceSnapshot } from '../metrics.ts';

interface Point {
  at: number;
  rate: number;
  meanMs: number | null;
  p95Ms: number | null;
  eventsPerMinute: number;
}

const POLL_MS = 2000;

/** The service: model version, uptime and memory (/v1/status), request rate, latency and events per minute from /metrics, polled while this view is open. */
export function ServiceView() {
  const [status, setStatus] = useState<Awaited<ReturnType<typeof api.status>> | null>(null);
  const [points, setPoints] = useState<Point[]>([]);
  const [version, setVersion] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let last: ServiceSnapshot | null = null;
    let stopped = false;
    const poll = async () => {
      try {
        const [s, text] = await Promise.all([api.status(), api.metrics()]);
        if (stopped) return;
        const now = snapshot(parsePrometheus(text), performance.now());
        setStatus(s);
        setVersion(now.version);
        if (last) {
          const seconds = (now.at - last.at) / 1000;
          const requests = now.requests - last.requests;
          const q = quantileBetween(last, now, 0.95);
          const point: Point = {
            at: now.at,
            rate: requests / seconds,
            meanMs: requests > 0 ? ((now.latencySum - last.latencySum) / requests) * 1000 : null,
            p95Ms: q === null || !Number.isFinite(q) ? null : q * 1000,
            eventsPerMinute: ((now.events - last.events) / seconds) * 60,
          };
          setPoints((old) => [...old.slice(-59), point]);
        }
        last = now;
        setError(null);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const latest = points.at(-1);
  const t0 = points[0]?.at ?? 0;
  return (
    <section aria-labelledby="service-heading">
      <h1 id="service-heading">Service</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="facts" data-testid="service-facts">
        <span>model {version ?? status?.model.version ?? '…'}</span>
        {status && <span>up {formatUptime(status.uptimeSeconds)}</span>}
        {status && <span>memory {(status.memory.rssBytes / 2 ** 20).toFixed(0)} MiB</span>}
        {status && (
          <span>
            store:{' '}
            {Object.entries(status.store)
              .filter(([k, v]) => typeof v === 'number' && k !== 'duplicatesSinceStart')
              .map(([k, v]) => `${String(v)} ${k}`)
              .join(', ')}
          </span>
        )}
      </p>
      <div class="stats">
        <Stat label="requests / s" value={latest ? num(latest.rate, 1) : '…'} />
        <Stat label="mean latency" value={latest?.meanMs != null ? `${num(latest.meanMs, 2)} ms` : '—'} />
        <Stat label="p95 latency (≤)" value={latest?.p95Ms != null ? `${num(latest.p95Ms, 1)} ms` : '—'} />
        <Stat label="events / min" value={latest ? num(latest.eventsPerMinute, 0) : '…'} />
      </div>
      <div class="columns">
        <div class="panel">
          <h2>Requests per second</h2>
          <LineChart
            zero
            label="requests per second"
            xLabel="seconds"
            series={[{ name: 'req/s (API routes)', color: '#2563eb', points: points.map((p) => ({ x: (p.at - t0) / 1000, y: p.rate })) }]}
          />
        </div>
        <div class="panel">
          <h2>Events per minute</h2>
          <LineChart
            zero
            label="events per minute"
            xLabel="seconds"
            series={[{ name: 'events/min', color: '#16a34a', points: points.map((p) => ({ x: (p.at - t0) / 1000, y: p.eventsPerMinute })) }]}
          />
        </div>
      </div>
      {status?.retraining && <RetrainingPanel retraining={status.retraining} />}
      <p class="muted small">
        From <a href="/metrics">/metrics</a> every {POLL_MS / 1000} s while this view is open (/metrics and /v1/status, which this view polls, are left out).
      </p>
    </section>
  );
}

/** Retraining: what runs now, when it runs next, and each past job's metric before → after. */
function RetrainingPanel({ retraining: r }: { retraining: Retraining }) {
  return (
    <div class="panel" data-testid="retraining">
      <h2>Retraining</h2>
      <p class="muted small">
        {r.running ? `running: ${r.running.phase} (${Math.round(r.running.fraction * 100)} %)` : 'idle'}
        {r.schedule ? ` · schedule ${r.schedule}, next ${r.nextRun ?? '—'}` : ' · on request (POST /v1/admin/retrain)'}
      </p>
      {r.history.length === 0 ? (
        <p class="muted small">No retraining yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>time</th>
              <th>action</th>
              <th>{r.metric} before → after</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {r.history.map((h) => (
              <tr key={`${h.time}-${h.version}`}>
                <td>{h.time.replace('T', ' ').slice(0, 19)}</td>
                <td>{h.action}</td>
                <td>
                  {h.before === null ? '—' : num(h.before, 4)} → {h.after === null ? '—' : num(h.after, 4)}
                </td>
                <td title={h.reason}>{h.swapped ? `serving ${h.version}` : 'kept the serving model'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <div class="stat-value">{value}</div>
      <div class="muted small">{label}</div>
    </div>
  );
}

function formatUptime(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
