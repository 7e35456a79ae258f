import type { EpochRecord, ModelInfo } from '../api.ts';
import { LineChart } from '../components/Chart.tsx';
import { num } from '../format.ts';

/** The model: type, hyperparameters, training curves, test metrics beside popularity, and the report beside the model. */
export function ModelView({ model }: { model: ModelInfo | null }) {
  if (model === null) return <p class="muted">loading…</p>;
  const epochs = model.history?.epochs ?? [];
  // Diverged epochs hold "NaN" (or ±Infinity): said in words, left off the curves.
  const losses = finite(epochs, (e) => e.loss);
  const notFinite = epochs.flatMap((e) => [
    ...(typeof e.loss === 'number' ? [] : [`loss ${e.loss} at epoch ${e.epoch}`]),
    ...(e.validation === undefined || typeof e.validation === 'number' ? [] : [`validation ${e.validation} at epoch ${e.epoch}`]),
  ]);
  const metrics = Object.entries(model.metrics).filter((e): e is [string, number] => typeof e[1] === 'number');
  const protocol = typeof model.metrics.protocol === 'string' ? model.metrics.protocol : null;
  // The second model's numbers sit in the same table only when measured under the same protocol.
  const compared = model.compare !== null && model.compare.metrics.protocol === model.metrics.protocol && Object.keys(model.compare.metrics).length > 0;
  return (
    <section aria-labelledby="model-heading">
      <h1 id="model-heading">
        Model <span class="muted">{model.version}</span>
      </h1>
      <p class="facts" data-testid="model-facts">
        <span>type {model.type}</span>
        <span>status {model.status}</span>
        <span>
          {model.users.toLocaleString('en')} users × {model.items.toLocaleString('en')} items
        </span>
        {model.trainingData?.source && <span>trained on {model.trainingData.source}</span>}
        {model.catalogue && <span>titles from {model.catalogue}</span>}
        {model.report && (
          <a href={model.report} target="_blank" rel="noopener">
            experiment report
          </a>
        )}
      </p>
      <div class="columns">
        <div class="panel">
          <h2>Hyperparameters</h2>
          <ConfigTable config={model.config} thresholded={model.trainingData?.positiveThreshold ?? null} />
        </div>
        <div class="panel">
          <h2>Training</h2>
          {epochs.length === 0 ? (
            <p class="muted">no training history in the model file</p>
          ) : (
            <>
              {losses.length > 0 && <LineChart label="training loss by epoch" xLabel="epoch" series={[{ name: 'training loss', color: '#c2410c', points: losses }]} />}
              {epochs.some((e) => e.validation !== undefined) && (
                <LineChart
                  label="validation metric by epoch"
                  xLabel="epoch"
                  series={[
                    {
                      name: `validation ${model.history?.metric ?? ''}`,
                      color: '#2563eb',
                      points: finite(epochs, (e) => e.validation),
                    },
                  ]}
                />
              )}
              {notFinite.length > 0 && (
                <p class="small" data-testid="not-finite">
                  not a finite number: {notFinite.join(', ')} (training diverged)
                </p>
              )}
              <p class="muted small">
                {epochs.length} epochs in {num(model.history?.seconds ?? 0, 1)} s{model.history?.stoppedEarly ? `, stopped early; kept epoch ${model.history.bestEpoch}` : ''}
              </p>
            </>
          )}
        </div>
        <div class="panel">
          <h2>Test metrics {protocol && <span class="muted small">{protocol}</span>}</h2>
          {metrics.length === 0 ? (
            <p class="muted">the model file holds no test metrics</p>
          ) : (
            <table data-testid="metrics">
              <thead>
                <tr>
                  <th>metric</th>
                  <th>{model.type}</th>
                  {compared && <th>{model.compare!.type}</th>}
                  {model.baseline && <th>{model.baseline.name}</th>}
                </tr>
              </thead>
              <tbody>
                {metrics.map(([name, value]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>{num(value, 4)}</td>
                    {compared && <td>{typeof model.compare!.metrics[name] === 'number' ? num(model.compare!.metrics[name] as number, 4) : '—'}</td>}
                    {model.baseline && <td>{model.baseline.metrics[name] !== undefined ? num(model.baseline.metrics[name], 4) : '—'}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!model.baseline && metrics.length > 0 && <p class="muted small">no popularity baseline found beside the model (an experiment's results.json has one)</p>}
        </div>
        {model.findings.length > 0 && (
          <div class="panel">
            <h2>Data checks</h2>
            <ul class="findings" data-testid="findings">
              {model.findings.map((f) => (
                <li key={f.code}>
                  <span class={`badge level-${f.level}`}>{f.level}</span> {f.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        {model.compare && (
          <div class="panel">
            <h2>
              Compared with <span class="muted small">{model.compare.version}</span>
            </h2>
            <ConfigTable config={model.compare.config} />
          </div>
        )}
      </div>
    </section>
  );
}

/** The epochs' finite values of one field, as chart points. */
function finite(epochs: EpochRecord[], value: (e: EpochRecord) => number | string | undefined): { x: number; y: number }[] {
  return epochs.flatMap((e) => {
    const y = value(e);
    return typeof y === 'number' && Number.isFinite(y) ? [{ x: e.epoch, y }] : [];
  });
}

/** A model's hyperparameters; `thresholded`: the positive threshold applied to its training data before the model saw it. */
function ConfigTable({ config, thresholded = null }: { config: Record<string, unknown>; thresholded?: number | null }) {
  return (
    <table class="config">
      <tbody>
        {Object.entries(config).map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>
              {typeof v === 'object' ? JSON.stringify(v) : String(v)}
              {k === 'positiveThreshold' && v === null && thresholded !== null && <span class="muted small"> (the training data was thresholded: value ≥ {thresholded})</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
