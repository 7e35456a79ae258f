import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { datasets } from '../data/datasets/index.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Dataset } from '../data/types.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import { DatasetNotFoundError } from '../contracts/errors.ts';
import type { Recommender } from '../models/recommender.ts';
import type { EventStore } from './store.ts';

/**
 * What the explore page shows beside the model: item titles and properties, and the dataset's
 * interactions (ratings and times) for users' histories. A model file keeps only ids and which
 * items each training user had; the catalogue comes from the dataset the model was trained on.
 */
export interface Catalogue {
  /** The dataset it came from. */
  source: string;
  /** Item id → properties (`title` and the dataset's item fields, e.g. `genre`, `decade`). */
  items: Map<string, Record<string, unknown>>;
  /** The dataset's interactions, with ratings and times where it has them. */
  interactions: Interactions | null;
}

/** The built-in dataset a model was trained on, read from its training provenance (e.g. "protocol lightfm-ua on ml-100k"). */
export function datasetOfModel(model: Recommender): string | null {
  const source = model.trainingData?.source ?? '';
  const names = datasets
    .list()
    .map((d) => d.name)
    .filter((name) => new RegExp(`(^|[^\\w-])${name.replace(/[-]/g, '\\-')}($|[^\\w-])`).test(source));
  return names.sort((a, b) => b.length - a.length)[0] ?? null;
}

/** The catalogue of a built-in dataset: titles, item fields as properties, interactions. */
export function catalogueFromDataset(dataset: Dataset): Catalogue {
  const ids = dataset.interactions.itemIds;
  const items = new Map<string, Record<string, unknown>>();
  const fields = dataset.itemFeatures ? featureProperties(dataset.itemFeatures) : [];
  for (let i = 0; i < ids.size; i++) {
    const properties: Record<string, unknown> = { ...fields[i] };
    const title = dataset.itemNames?.[i];
    if (title) properties.title = title;
    items.set(ids.id(i), properties);
  }
  return { source: dataset.name, items, interactions: dataset.interactions };
}

/** The catalogue for a model trained on a built-in dataset (its provenance, or the experiment beside it says which), or null (not a built-in dataset, or its files are absent). */
export async function loadCatalogue(model: Recommender, options: { dataDir?: string; modelDir?: string } = {}): Promise<Catalogue | null> {
  const name = datasetOfModel(model) ?? (options.modelDir ? (await findExperiment(options.modelDir)).dataset : null);
  if (name === null) return null;
  try {
    return catalogueFromDataset(await datasets.load(name, { dataDir: options.dataDir, download: false }));
  } catch (error) {
    if (error instanceof DatasetNotFoundError) return null;
    throw error;
  }
}

/** Puts the catalogue's items into the store (so filters see their properties); items the store already has keep theirs. */
export function seedStore(store: EventStore, catalogue: Catalogue): number {
  let added = 0;
  for (const [id, properties] of catalogue.items) {
    if (store.getItem(id)) continue;
    store.putItem({ id, properties, available: true, expiresAt: null });
    added++;
  }
  return added;
}

/**
 * Feature rows as properties: `genre=Comedy` and `genre=Drama` → `genre: ["Comedy", "Drama"]`.
 * A field that holds several values for any item is an array for every item, so a filter
 * written for one item works for all.
 */
function featureProperties(features: FeatureMatrix): Record<string, unknown>[] {
  const rows: Map<string, string[]>[] = [];
  const multi = new Set<string>();
  for (let r = 0; r < features.rows; r++) {
    const row = new Map<string, string[]>();
    for (let p = features.indptr[r]; p < features.indptr[r + 1]; p++) {
      const name = features.vocabulary[features.indices[p]];
      const field = features.fields[features.fieldOf[features.indices[p]]];
      const value = name.startsWith(`${field}=`) ? name.slice(field.length + 1) : name;
      const values = row.get(field) ?? [];
      values.push(value);
      row.set(field, values);
      if (values.length > 1) multi.add(field);
    }
    rows.push(row);
  }
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [field, values] of row) out[field] = multi.has(field) ? values : asNumberIfNumeric(values[0]);
    return out;
  });
}

function asNumberIfNumeric(text: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** What an experiment wrote beside a model: its report, the popularity run's metrics, the protocol's dataset. */
export interface Experiment {
  report: string | null;
  baseline: { name: string; metrics: Record<string, number> } | null;
  dataset: string | null;
  /** The data checks the experiment ran (the doctor's findings on its data). */
  findings: { level: string; code: string; message: string }[];
}

/** report.html and results.json (popularity's metrics, the dataset) in the model's folder or the experiment folder above it. */
export async function findExperiment(modelDir: string): Promise<Experiment> {
  let report: string | null = null;
  let baseline: { name: string; metrics: Record<string, number> } | null = null;
  let dataset: string | null = null;
  let findings: Experiment['findings'] = [];
  const here = resolve(modelDir);
  // An experiment writes models to <experiment>/models/<run>/, its report and results beside models/.
  for (const dir of [here, dirname(here), dirname(dirname(here))]) {
    if (report === null && existsSync(join(dir, 'report.html'))) report = join(dir, 'report.html');
    if (baseline === null && existsSync(join(dir, 'results.json'))) {
      try {
        const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as {
          runs?: { name: string; reference?: boolean; metrics?: Record<string, number> }[];
          protocol?: { dataset?: string };
          dataChecks?: { level?: unknown; code?: unknown; message?: unknown }[];
        };
        findings = (results.dataChecks ?? [])
          .filter((f) => typeof f.level === 'string' && typeof f.code === 'string' && typeof f.message === 'string')
          .map((f) => ({ level: f.level as string, code: f.code as string, message: f.message as string }));
        dataset = typeof results.protocol?.dataset === 'string' ? results.protocol.dataset : null;
        const reference = results.runs?.find((r) => r.reference && r.metrics);
        if (reference) baseline = { name: reference.name, metrics: reference.metrics! };
      } catch {
        // A results file that does not parse is not ours to fix here; the page shows no baseline.
      }
    }
  }
  return { report, baseline, dataset, findings };
}
