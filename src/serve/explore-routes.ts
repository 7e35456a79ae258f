import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Recommender } from '../models/recommender.ts';
import { historyAsJson } from '../models/persist.ts';
import { findExperiment, seedStore, type Catalogue } from './explore-catalogue.ts';
import { ExploreIndex } from './explore-index.ts';
import { pca2 } from './explore-map.ts';
import { defaultWebRoot, registerPage } from './explore-page.ts';
import { NotFoundError, RecommendEngine } from './engine.ts';
import { parseFilter } from './filter.ts';
import type { EventStore } from './store.ts';
import { ID } from './ids.ts';

/**
 * Read-only routes for the explore page (`tastebud explore`), and the page itself at `/`:
 * search users and items, a user's history, who interacted with an item, the model's
 * description, a 2-D map of the item vectors, and a second model's recommendations to compare.
 * Everything the page shows comes through these and the service's other public routes.
 */
export interface ExploreOptions {
  /** Titles, item properties and the dataset's ratings and times (see explore-catalogue.ts). */
  catalogue?: Catalogue | null;
  /** The served model's directory: its training report and the experiment results beside it. */
  modelDir?: string;
  /** A second model, served at /v1/compare/recommend for side-by-side lists. */
  compare?: { model: Recommender; version: string; dir?: string };
  /** The built page (default dist/web of this package). */
  webRoot?: string;
}

export interface ExploreContext extends ExploreOptions {
  /** The model being served now (retraining and rollback swap it). */
  serving: () => { model: Recommender; version: string; warning?: string | null };
  store: EventStore;
}

/** What the routes build over one served model, rebuilt when the service swaps the model. */
interface ModelView {
  model: Recommender;
  version: string;
  index: ExploreIndex;
  fields?: { name: string; values: string[] }[];
  map?: { items: string[]; coords: Float32Array; explained: [number, number] } | null;
}

const LIMIT = z.coerce.number().int().min(1).max(1000);
const ERROR = z.object({ error: z.string(), message: z.string() });
const errors = { 400: ERROR, 404: ERROR };

export async function registerExploreRoutes(app: FastifyInstance, context: ExploreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store } = context;
  if (context.catalogue) seedStore(store, context.catalogue);
  let view: ModelView | undefined;
  const current = (): ModelView => {
    const { model, version } = context.serving();
    if (view?.model !== model) view = { model, version, index: new ExploreIndex(model, context.catalogue ?? null) };
    return view;
  };
  const title = (id: string): string | null => {
    const p = store.propertiesOf(id);
    const t = p.title ?? p.name;
    return typeof t === 'string' ? t : null;
  };

  // ---- users
  api.get(
    '/v1/users',
    {
      schema: {
        summary: 'search users by id (explore)',
        querystring: z.object({ query: z.string().max(256).optional(), limit: LIMIT.optional() }).strict(),
        response: { 200: z.object({ users: z.array(z.object({ id: z.string(), interactions: z.number() })), total: z.number() }), ...errors },
      },
    },
    async (request) => current().index.searchUsers(request.query.query ?? '', request.query.limit ?? 20),
  );
  api.get(
    '/v1/users/:id/history',
    {
      schema: {
        summary: 'a user’s interactions: training data (with ratings and times where the dataset has them) and events in the store',
        params: z.object({ id: ID }),
        querystring: z.object({ limit: LIMIT.optional() }).strict(),
        response: {
          200: z.object({
            user: z.string(),
            known: z.boolean().describe('the model was trained with this user'),
            total: z.number(),
            items: z.array(
              z.object({
                item: z.string(),
                title: z.string().nullable(),
                properties: z.record(z.string(), z.unknown()),
                type: z.string().describe('rating, training (an interaction without a value) or event'),
                value: z.number().nullable(),
                timestamp: z.number().nullable().describe('seconds since the epoch'),
                inTraining: z.boolean(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { model, index } = current();
      const { id } = request.params;
      const entries = index.history(id);
      const seen = new Set(entries.map((e) => e.item));
      for (const item of store.itemsOf(id)) if (!seen.has(item)) entries.push({ item, type: 'event', value: null, timestamp: null, inTraining: false });
      if (entries.length === 0 && model.userIds.get(id) === undefined && !store.getUser(id)) throw new NotFoundError(`unknown user "${id}"`);
      const limit = request.query.limit ?? 200;
      return {
        user: id,
        known: model.userIds.get(id) !== undefined,
        total: entries.length,
        items: entries.slice(0, limit).map((e) => ({ ...e, title: title(e.item), properties: store.propertiesOf(e.item) })),
      };
    },
  );

  // ---- items
  api.get(
    '/v1/items',
    {
      schema: {
        summary: 'search items by id or title, most popular first (explore)',
        querystring: z
          .object({
            query: z.string().max(256).optional(),
            ids: z.string().max(100_000).optional().describe('comma-separated item ids: these items, in this order (titles for a list)'),
            limit: LIMIT.optional(),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.string(), title: z.string().nullable(), properties: z.record(z.string(), z.unknown()), popularity: z.number() })),
            total: z.number(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { model, index } = current();
      if (request.query.ids !== undefined) {
        const ids = request.query.ids.split(',').filter((id) => id !== '' && (model.itemIds.get(id) !== undefined || store.getItem(id)));
        return {
          total: ids.length,
          items: ids.map((id) => ({ id, title: title(id), properties: store.propertiesOf(id), popularity: index.popularity(model.itemIds.get(id) ?? -1) })),
        };
      }
      const query = (request.query.query ?? '').trim().toLowerCase();
      const limit = request.query.limit ?? 20;
      const found: { id: string; popularity: number; rank: number }[] = [];
      for (let i = 0; i < model.numItems; i++) {
        const id = model.itemIds.id(i);
        let rank = 0;
        if (query !== '') {
          const t = title(id)?.toLowerCase() ?? '';
          if (id.toLowerCase() === query) rank = 3;
          else if (t.startsWith(query)) rank = 2;
          else if (t.includes(query) || id.toLowerCase().startsWith(query)) rank = 1;
          else continue;
        }
        found.push({ id, popularity: index.popularity(i), rank });
      }
      found.sort((a, b) => b.rank - a.rank || b.popularity - a.popularity || (a.id < b.id ? -1 : 1));
      return {
        total: found.length,
        items: found.slice(0, limit).map((f) => ({ id: f.id, title: title(f.id), properties: store.propertiesOf(f.id), popularity: f.popularity })),
      };
    },
  );
  api.get(
    '/v1/items/:id/users',
    {
      schema: {
        summary: 'users who interacted with an item in the training data, and its popularity (explore)',
        params: z.object({ id: ID }),
        querystring: z.object({ limit: LIMIT.optional() }).strict(),
        response: {
          200: z.object({
            item: z.string(),
            title: z.string().nullable(),
            properties: z.record(z.string(), z.unknown()),
            popularity: z.number().describe('training interactions'),
            popularityRank: z.number().describe('1 = the most popular item'),
            users: z.array(z.object({ user: z.string(), value: z.number().nullable(), timestamp: z.number().nullable() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { model, index } = current();
      const { id } = request.params;
      const i = model.itemIds.get(id);
      if (i === undefined) throw new NotFoundError(`unknown item "${id}": the model (${model.numItems} items) was not trained with it`);
      const users = index.usersOf(i).slice(0, request.query.limit ?? 50);
      return { item: id, title: title(id), properties: store.propertiesOf(id), popularity: index.popularity(i), popularityRank: index.popularityRank(i), users };
    },
  );

  // ---- the model
  api.get(
    '/v1/model',
    {
      schema: {
        summary: 'the served model: type, hyperparameters, training history, metrics, reports (explore)',
        response: {
          200: z.object({
            type: z.string(),
            version: z.string(),
            status: z.string(),
            warning: z.string().nullable().describe('why the model’s answers cannot be trusted: saved untrained, diverged in training, or non-finite scores'),
            users: z.number(),
            items: z.number(),
            config: z.record(z.string(), z.unknown()),
            trainingData: z
              .unknown()
              .describe('what the model was trained on: source, split, positiveThreshold (interactions with value ≥ it were kept as positives; null: none dropped), counts'),
            history: z
              .unknown()
              .describe(
                'epochs (loss, seconds, validation), metric, bestEpoch; a loss or validation value that was not a finite number (diverged training) is "NaN", "Infinity" or "-Infinity"',
              ),
            metrics: z.record(z.string(), z.unknown()),
            baseline: z
              .object({ name: z.string(), metrics: z.record(z.string(), z.number()) })
              .nullable()
              .describe('popularity under the same protocol, from results.json beside the model'),
            report: z.string().nullable().describe('the experiment report found beside the model, served at this path'),
            catalogue: z.string().nullable().describe('where titles and item properties came from'),
            compare: z.object({ type: z.string(), version: z.string(), config: z.record(z.string(), z.unknown()), metrics: z.record(z.string(), z.unknown()) }).nullable(),
            findings: z.array(z.object({ level: z.string(), code: z.string(), message: z.string() })).describe('the data checks of the experiment beside the model'),
            itemFields: z.array(z.object({ name: z.string(), values: z.array(z.string()) })).describe('item properties with a few text values each, for filters'),
          }),
        },
      },
    },
    async () => {
      const v = current();
      const { model } = v;
      const found = context.modelDir ? await findExperiment(context.modelDir) : { report: null, baseline: null, dataset: null, findings: [] };
      return {
        type: model.type,
        version: v.version,
        status: model.status,
        warning: context.serving().warning ?? null,
        users: model.numUsers,
        items: model.numItems,
        config: model.config,
        trainingData: model.trainingData,
        history: historyAsJson(model.history),
        metrics: model.metrics,
        baseline: found.baseline,
        report: found.report ? '/v1/model/report' : null,
        findings: found.findings,
        catalogue: context.catalogue?.source ?? null,
        compare: context.compare
          ? { type: context.compare.model.type, version: context.compare.version, config: context.compare.model.config, metrics: context.compare.model.metrics }
          : null,
        // Once per served model: the filter menus need the categories, not their latest counts.
        itemFields: (v.fields ??= itemFields(Array.from({ length: model.numItems }, (_, i) => store.propertiesOf(model.itemIds.id(i))))),
      };
    },
  );
  api.get('/v1/model/report', { schema: { summary: 'the experiment report (report.html) found beside the model', hide: true } }, async (_request, reply) => {
    const found = context.modelDir ? await findExperiment(context.modelDir) : null;
    if (!found?.report) throw new NotFoundError('no report.html beside the served model');
    return reply.type('text/html; charset=utf-8').send(await readFile(found.report));
  });

  api.get(
    '/v1/model/item-map',
    {
      schema: {
        summary: 'the item vectors on a 2-D map (first two principal components), with a category per item (explore)',
        querystring: z.object({ category: z.string().max(64).optional().describe('the item property to colour by (default genre, else the first text property)') }).strict(),
        response: {
          200: z.object({
            field: z.string().nullable(),
            explained: z.array(z.number()),
            points: z.array(z.object({ item: z.string(), x: z.number(), y: z.number(), category: z.string().nullable() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      // Computed once per served model: its vectors do not change while it is served.
      const v = current();
      const { model } = v;
      if (v.map === undefined) {
        const vectors = model.itemVectors();
        v.map = vectors ? { items: Array.from({ length: model.numItems }, (_, i) => model.itemIds.id(i)), ...pca2(vectors.data, model.numItems, vectors.dim) } : null;
      }
      const map = v.map;
      if (map === null) throw new NotFoundError(`${model.type} has no item vectors to map`);
      const field = request.query.category ?? categoryField(map.items.slice(0, 200).map((id) => store.propertiesOf(id)));
      const m = map;
      return {
        field,
        explained: [...m.explained],
        points: m.items.map((item, i) => ({
          item,
          x: round(m.coords[2 * i]),
          y: round(m.coords[2 * i + 1]),
          category: field === null ? null : categoryOf(store.propertiesOf(item)[field]),
        })),
      };
    },
  );

  // ---- a second model, for side-by-side lists
  if (context.compare) {
    const other = new RecommendEngine(context.compare.model, store, { modelVersion: context.compare.version, cacheSize: 1000 });
    api.get(
      '/v1/compare/recommend',
      {
        schema: {
          summary: 'top-k items for a user from the second model (tastebud explore --compare)',
          querystring: z
            .object({
              user: ID,
              k: z.coerce.number().int().min(1).max(500).optional(),
              filter: z.string().optional(),
              excludeSeen: z
                .enum(['true', 'false'])
                .transform((v) => v === 'true')
                .optional(),
              explain: z
                .enum(['true', 'false'])
                .transform((v) => v === 'true')
                .optional(),
            })
            .strict(),
        },
      },
      async (request) => {
        const q = request.query;
        return other.recommend({
          user: q.user,
          k: q.k ?? 10,
          filter: q.filter === undefined ? undefined : parseFilter(q.filter),
          excludeSeen: q.excludeSeen,
          explain: q.explain,
        });
      },
    );
  }

  // ---- the page
  registerPage(app, context.webRoot ?? defaultWebRoot());
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** genre if the items have it, else the first property holding text or lists of text. */
function categoryField(samples: Record<string, unknown>[]): string | null {
  const fields = new Set<string>();
  for (const p of samples) for (const [k, v] of Object.entries(p)) if (k !== 'title' && k !== 'name' && (typeof v === 'string' || Array.isArray(v))) fields.add(k);
  for (const preferred of ['genre', 'genres', 'category', 'categories']) if (fields.has(preferred)) return preferred;
  return [...fields].sort()[0] ?? null;
}

/** Text-valued item properties with at most 40 distinct values (categories a filter can pick from), values by frequency. */
function itemFields(all: Record<string, unknown>[]): { name: string; values: string[] }[] {
  const counts = new Map<string, Map<string, number>>();
  for (const p of all) {
    for (const [k, v] of Object.entries(p)) {
      if (k === 'title' || k === 'name') continue;
      for (const x of Array.isArray(v) ? v : [v]) {
        if (typeof x !== 'string') continue;
        const values = counts.get(k) ?? new Map<string, number>();
        values.set(x, (values.get(x) ?? 0) + 1);
        counts.set(k, values);
      }
    }
  }
  return [...counts.entries()]
    .filter(([, values]) => values.size <= 40)
    .map(([name, values]) => ({ name, values: [...values.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v) }));
}

function categoryOf(value: unknown): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === null ? null : String(v);
}
