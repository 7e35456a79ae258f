import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import { TastebudError } from '../contracts/errors.ts';
import type { Recommender } from '../models/recommender.ts';
import type { AnnOptions } from './ann.ts';
import { NotFoundError, parseWindow, type RecommendPage } from './engine.ts';
import { pageJson } from './page-json.ts';
import { parseFilterCached as parseFilter } from './filter.ts';
import { EventRowError, MAX_EVENT_VALUE, type EventInput, type EventStore, type ItemRecord } from './store.ts';
import { ID, MAX_ID_LENGTH } from './ids.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerUsersSimilar } from './routes/users-similar.ts';
import { registerLimits, type OverloadOptions, type RateLimitOptions } from './limits.ts';
import { ConflictError, type Retrainer } from './retrain.ts';
import { ServingSlot } from './serving.ts';
import { registerExploreRoutes, type ExploreOptions } from './explore-routes.ts';

export interface ServiceLimits {
  /** Most events in one POST /v1/events (more: 413). Default 10,000. */
  maxBatch?: number;
  /** Largest k. Default 1,000. */
  maxK?: number;
  /** Largest request body in bytes. Default 16 MiB. */
  bodyLimit?: number;
  /** Recommendation lists kept for paging. Default 10,000. */
  cacheSize?: number;
  /** Items in one list (all pages together). Default 500. */
  maxListLength?: number;
}

export interface AppOptions {
  model: Recommender;
  store: EventStore;
  /** The model's version (returned with recommendations); default the model type. */
  modelVersion?: string;
  /** Bearer token required for writes (and for reads with `protectReads`); none: no checks. */
  token?: string;
  protectReads?: boolean;
  limits?: ServiceLimits;
  /** Per-client request rate limit (default none). */
  rateLimit?: RateLimitOptions | null;
  /** When to answer 503 instead of taking more work (default: see limits.ts). */
  overload?: OverloadOptions;
  /** Retraining, versions and rollback (the /v1/admin routes); none: those routes answer 404. */
  retrainer?: Retrainer;
  /** Fastify's logger option (default off). */
  logger?: boolean | { level: string };
  /** Approximate retrieval (HNSW) for factor models; default auto (from 20 K items). */
  ann?: AnnOptions;
  /** The explore page's extras: catalogue, model folder, a second model (see explore-routes.ts). */
  explore?: ExploreOptions;
}

const ERROR = z.object({ error: z.string(), message: z.string() });
const PROPERTY = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);
const PROPERTIES = z.record(z.string(), PROPERTY);
const PROPERTIES_OUT = z.record(z.string(), z.unknown());
/** Seconds since the epoch, or an ISO 8601 date-time with an offset. */
const TIME_HELP = 'expected milliseconds since the epoch, or an ISO 8601 time with its zone (2024-01-01T00:00:00Z, or +02:00)';
const TIME = z.union([z.number().finite().nonnegative(), z.iso.datetime({ offset: true, error: TIME_HELP })], { error: TIME_HELP });
const SERVED = z.object({
  item: z.string(),
  score: z.number(),
  source: z.enum(['model', 'fallback']),
  reason: z.object({ method: z.string(), items: z.array(z.object({ item: z.string(), weight: z.number() })) }).optional(),
});
const PAGE = z.object({ items: z.array(SERVED), recommId: z.string(), modelVersion: z.string() });
const BOOL_TEXT = z.enum(['true', 'false']).transform((v) => v === 'true');

function toMillis(t: number | string): number {
  return typeof t === 'number' ? Math.round(t * 1000) : Date.parse(t);
}

/**
 * The recommendation service as a Fastify instance (not listening: `app.inject` tests it, and
 * `startServer` in the CLI listens). Routes: events, items, users, recommend (with paging),
 * similar, popular, health, metrics, status, and the OpenAPI document at /docs/json.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { model, store } = options;
  const limits = { maxBatch: 10_000, maxK: 1_000, bodyLimit: 16 * 1024 * 1024, cacheSize: 10_000, maxListLength: 500, ...options.limits };
  const modelVersion = options.modelVersion ?? model.type;
  const started = Date.now();

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tastebud_' });
  const latency = new Histogram({
    name: 'tastebud_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const ingested = new Counter({ name: 'tastebud_events_ingested_total', help: 'events stored', registers: [registry] });
  const duplicates = new Counter({ name: 'tastebud_events_duplicate_total', help: 'events ignored because their eventId was already stored', registers: [registry] });
  const cache = new Counter({
    name: 'tastebud_recommendation_cache_total',
    help: 'next-page lookups in the recommendation list cache',
    labelNames: ['result'],
    registers: [registry],
  });
  new Counter({
    name: 'tastebud_seen_items_cache_total',
    help: 'lookups of a user’s seen items in the store’s cache (a miss queries the event table)',
    labelNames: ['result'],
    registers: [registry],
    // Read at each scrape from the store's own counts: nothing to do per request.
    collect() {
      const seen = store.seenItemsCache;
      this.reset();
      this.inc({ result: 'hit' }, seen.hits);
      this.inc({ result: 'miss' }, seen.misses);
    },
  });
  const retrievals = new Counter({
    name: 'tastebud_retrieval_total',
    help: 'lists ranked from the model’s scores, by how candidates were found: index (HNSW), full_scan (an index, but the request’s filter or exclusions sent it to score every item), exact (no index)',
    labelNames: ['path'],
    registers: [registry],
  });
  const fallbacks = new Counter({ name: 'tastebud_recommendation_fallback_total', help: 'recommendations served by the popularity fallback', registers: [registry] });
  const modelInfo = new Gauge({ name: 'tastebud_model_info', help: 'the model being served (value 1)', labelNames: ['type', 'version'], registers: [registry] });
  modelInfo.set({ type: model.type, version: modelVersion }, 1);

  // The serving model and what is built over it; retraining and rollback swap it whole.
  const slot = new ServingSlot(model, modelVersion, store, {
    cacheSize: limits.cacheSize,
    maxListLength: limits.maxListLength,
    onCache: (hit) => cache.inc({ result: hit ? 'hit' : 'miss' }),
    onRetrieval: (path) => retrievals.inc({ path }),
    ann: options.ann,
  });
  new Gauge({
    name: 'tastebud_retrieval_recall_at10',
    help: 'recall@10 of the retrieval against exact top-k, measured on a sample of users at load (1 for exact retrieval)',
    labelNames: ['kind'],
    registers: [registry],
    // Read at each scrape: the index may finish building, or the model be swapped, at any time.
    collect() {
      const retrieval = slot.current.engine.retrievalStatus;
      this.reset();
      this.set({ kind: retrieval.kind }, retrieval.kind === 'exact' ? 1 : (retrieval.recallAt10 ?? 0));
    },
  });
  slot.onSwap((serving) => {
    modelInfo.reset();
    modelInfo.set({ type: serving.model.type, version: serving.version }, 1);
  });
  options.retrainer?.attach(slot);

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimit,
    // A path's id may be as long as a body's (fastify's default is 100 characters).
    routerOptions: { maxParamLength: MAX_ID_LENGTH },
    // Fastify's own answers to a bad path echo the whole path, and call a 414 "Bad Request".
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return reply.code(414).send({ error: 'URI Too Long', message: `a path segment is longer than ${MAX_ID_LENGTH} characters, the longest id the service takes` });
      }
      if (error.code === 'FST_ERR_BAD_URL') return reply.code(400).send({ error: 'Bad Request', message: 'the path is not a valid URL (a malformed %-escape)' });
      const status = error.statusCode ?? 400;
      return reply.code(status).send({ error: httpName(status), message: error.message });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  let ready = true;
  app.addHook('onClose', async () => {
    ready = false;
    slot.close();
    await options.retrainer?.close();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'tastebud', description: 'recommendations, events and items', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerLimits(app, { rateLimit: options.rateLimit ?? null, overload: options.overload });

  // Per (method, route, status) the histogram's child, looked up once: observing through a label
  // object hashes the labels on every request. A callback hook: no promise per response.
  const latencyByLabels = new Map<string, ReturnType<typeof latency.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = latencyByLabels.get(key);
    if (child === undefined) {
      child = latency.labels({ method: request.method, route, status: String(reply.statusCode) });
      latencyByLabels.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  // Bearer token: writes always need it once one is set; reads only with protectReads. Health,
  // metrics and the API document stay open.
  const token = options.token === undefined ? null : Buffer.from(options.token);
  if (token) {
    app.addHook('onRequest', async (request, reply) => {
      const url = request.url;
      if (url.startsWith('/health/') || url === '/metrics' || url.startsWith('/docs')) return;
      // Admin routes (retraining, rollback) always need the token, reads included.
      const write = url.startsWith('/v1/admin/') || (request.method !== 'GET' && request.method !== 'HEAD' && !(request.method === 'POST' && url.startsWith('/v1/recommend')));
      if (!write && !options.protectReads) return;
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const ok = given !== undefined && Buffer.byteLength(given) === token.length && timingSafeEqual(Buffer.from(given), token);
      if (!ok) {
        reply.header('www-authenticate', 'Bearer');
        return reply
          .code(401)
          .send({ error: 'Unauthorized', message: given === undefined ? 'this request needs an "Authorization: Bearer <token>" header' : 'the bearer token is wrong' });
      }
    });
  }

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'request';
      const problems = error.validation.map((v) => {
        const path = v.instancePath.split('/').filter((part) => part !== '');
        return `${[where, ...path].join('.')}: ${v.message}`;
      });
      return reply.code(400).send({ error: 'Bad Request', message: problems.join('; ') });
    }
    if (error instanceof NotFoundError) return reply.code(404).send({ error: 'Not Found', message: error.message });
    // Only POST /v1/events stores events: the row is in its body, as the schema's errors say it.
    if (error instanceof EventRowError)
      return reply.code(error.conflict ? 409 : 400).send({ error: error.conflict ? 'Conflict' : 'Bad Request', message: `body.${error.message}` });
    if (error instanceof ConflictError) return reply.code(409).send({ error: 'Conflict', message: error.message });
    if (error instanceof TastebudError) return reply.code(400).send({ error: 'Bad Request', message: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? `the body is not valid JSON: ${error.message}` : error.message;
      return reply.code(status).send({ error: httpName(status), message });
    }
    request.log.error(error);
    return reply.code(500).send({ error: 'Internal Server Error', message: 'the service failed on this request; its log has the details' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  const api = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ERROR, 401: ERROR, 404: ERROR };

  // ---- events
  const EVENT = z
    .object({
      eventId: ID,
      user: ID,
      item: ID,
      type: z
        .string()
        .min(1)
        .max(64)
        .describe(`one of ${store.eventTypes.join(', ')}`),
      value: z.number().finite().min(-MAX_EVENT_VALUE).max(MAX_EVENT_VALUE).optional().describe(`the rating, for rating events (at most ${MAX_EVENT_VALUE} either side of 0)`),
      timestamp: TIME.optional().describe('seconds since the epoch or an ISO 8601 date-time; default now'),
      recommId: z.string().max(MAX_ID_LENGTH).optional().describe('the list this event answers'),
    })
    .strict();
  api.post(
    '/v1/events',
    {
      schema: {
        summary: 'store a batch of events (idempotent by eventId; another event under a stored eventId refuses the batch with 409)',
        body: z.object({ events: z.array(EVENT).min(1) }).strict(),
        response: { 200: z.object({ accepted: z.number(), duplicates: z.number() }), 409: ERROR, 413: ERROR, ...errors },
      },
      preValidation: async (request, reply) => {
        const events = (request.body as { events?: unknown } | null)?.events;
        if (Array.isArray(events) && events.length > limits.maxBatch) {
          return reply.code(413).send({ error: 'Payload Too Large', message: `${events.length} events in one batch; send at most ${limits.maxBatch} per request` });
        }
      },
    },
    async (request) => {
      // The parsed body is this request's own: timestamps become milliseconds in place (a copy of
      // every event cost more than the conversion).
      const events = request.body.events;
      for (const e of events) if (e.timestamp !== undefined) e.timestamp = toMillis(e.timestamp);
      const result = await store.addEventsGrouped(events as EventInput[]);
      ingested.inc(result.accepted);
      duplicates.inc(result.duplicates);
      return result;
    },
  );

  // ---- items
  const ITEM_BODY = z
    .object({
      properties: PROPERTIES.default({}).describe('categories, numbers and strings the filters see'),
      available: z.boolean().default(true),
      expiresAt: TIME.nullable().default(null).describe('after this the item is never recommended'),
    })
    .strict();
  const ITEM = z.object({ id: z.string(), properties: PROPERTIES_OUT, available: z.boolean(), expiresAt: z.string().nullable() });
  const itemOut = (item: ItemRecord) => ({ ...item, expiresAt: item.expiresAt === null ? null : new Date(item.expiresAt).toISOString() });
  const idParams = z.object({ id: ID });
  api.put('/v1/items/:id', { schema: { summary: 'create or replace an item', params: idParams, body: ITEM_BODY, response: { 200: ITEM, ...errors } } }, async (request) => {
    const b = request.body;
    const record = { id: request.params.id, properties: b.properties, available: b.available, expiresAt: b.expiresAt === null ? null : toMillis(b.expiresAt) };
    store.putItem(record);
    return itemOut(record);
  });
  api.get('/v1/items/:id', { schema: { summary: 'an item', params: idParams, response: { 200: ITEM, ...errors } } }, async (request) => {
    const item = store.getItem(request.params.id);
    if (!item) throw new NotFoundError(`unknown item "${request.params.id}"`);
    return itemOut(item);
  });
  api.delete(
    '/v1/items/:id',
    { schema: { summary: 'delete an item (never recommended again)', params: idParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      if (!store.deleteItem(request.params.id)) throw new NotFoundError(`unknown item "${request.params.id}"`);
      return reply.code(204).send(null);
    },
  );

  // ---- users
  const USER = z.object({ id: z.string(), properties: PROPERTIES_OUT });
  api.put(
    '/v1/users/:id',
    { schema: { summary: 'create or replace a user', params: idParams, body: z.object({ properties: PROPERTIES.default({}) }).strict(), response: { 200: USER, ...errors } } },
    async (request) => {
      const user = { id: request.params.id, properties: request.body.properties };
      store.putUser(user);
      return user;
    },
  );
  api.get('/v1/users/:id', { schema: { summary: 'a user', params: idParams, response: { 200: USER, ...errors } } }, async (request) => {
    const user = store.getUser(request.params.id);
    if (!user) throw new NotFoundError(`unknown user "${request.params.id}"`);
    return user;
  });

  // ---- recommend
  // A repeated ?k=3&k=4 arrives as a list: one number is asked for, and said so.
  const K = z.coerce
    .number({ error: (issue) => (issue.code === 'invalid_type' ? 'expected one whole number' : undefined) })
    .int()
    .min(1)
    .max(limits.maxK);
  const recommendQuery = z
    .object({
      user: ID.optional(),
      recommId: z.string().optional().describe('the previous page: returns the next k items'),
      k: K.optional().describe('default 10'),
      filter: z.string().optional().describe('e.g. genre = "Comedy" and year >= 1990'),
      exclude: z.string().optional().describe('item ids to leave out, comma-separated'),
      excludeSeen: BOOL_TEXT.optional().describe('leave out items the user has events for (default true)'),
      explain: BOOL_TEXT.optional().describe('add a reason to each model-scored item: the user’s items that contributed most'),
    })
    .strict();
  const recommendBody = z
    .object({
      user: ID.optional(),
      recommId: z.string().optional(),
      k: z.number().int().min(1).max(limits.maxK).optional(),
      filter: z.string().optional(),
      exclude: z.array(ID).optional(),
      excludeSeen: z.boolean().optional(),
      explain: z.boolean().optional(),
      history: z
        .array(z.object({ item: ID, weight: z.number().finite().optional() }).strict())
        .max(1000)
        .optional()
        .describe('an anonymous session’s items, folded into the model without retraining (instead of user)'),
    })
    .strict();
  const recommend = (q: {
    user?: string;
    history?: { item: string; weight?: number }[];
    recommId?: string;
    k?: number;
    filter?: string;
    exclude?: string[];
    excludeSeen?: boolean;
    explain?: boolean;
  }) => {
    if (q.recommId !== undefined) {
      if (q.user !== undefined || q.history !== undefined || q.filter !== undefined || q.exclude !== undefined || q.excludeSeen !== undefined) {
        throw new TastebudError('a next page (recommId) takes only k: the list keeps the first request’s user, filter and exclusions');
      }
      return slot.current.engine.nextPage(q.recommId, q.k);
    }
    if (q.user === undefined && q.history === undefined) throw new TastebudError('give user= (a new list), history (an anonymous session) or recommId= (the next page of a list)');
    if (q.user !== undefined && q.history !== undefined) throw new TastebudError('give either user or history, not both');
    const page = slot.current.engine.recommend({
      user: q.user,
      history: q.history,
      explain: q.explain,
      k: q.k ?? 10,
      filter: q.filter === undefined ? undefined : parseFilter(q.filter),
      exclude: q.exclude,
      excludeSeen: q.excludeSeen,
    });
    if (page.items[0]?.source === 'fallback') fallbacks.inc();
    return page;
  };
  // The hot path's answers are built here with exactly PAGE's (or ERROR's) fields, so they are
  // written without being re-validated by zod on the way out (which cost more than the rest of
  // the serialisation): a page by pageJson, anything else by JSON.stringify. The schemas still
  // document the route.
  const pageOrJson = (data: unknown): string => (isPage(data) ? pageJson(data) : JSON.stringify(data));
  const trusted = { serializerCompiler: ({ httpStatus }: { httpStatus?: string }) => (httpStatus === '200' ? pageOrJson : JSON.stringify) };
  api.get(
    '/v1/recommend',
    { schema: { summary: 'top-k items for a user, or the next page', querystring: recommendQuery, response: { 200: PAGE, ...errors } }, ...trusted },
    async (request) => recommend({ ...request.query, exclude: request.query.exclude?.split(',').filter((s) => s !== '') }),
  );
  api.post('/v1/recommend', { schema: { summary: 'top-k items for a user (JSON body)', body: recommendBody, response: { 200: PAGE, ...errors } }, ...trusted }, async (request) =>
    recommend(request.body),
  );

  api.get(
    '/v1/items/:id/similar',
    {
      schema: {
        summary: 'items most similar to an item',
        params: idParams,
        querystring: z.object({ k: K.optional(), filter: z.string().optional() }).strict(),
        response: { 200: z.object({ item: z.string(), items: z.array(SERVED), modelVersion: z.string() }), ...errors },
      },
    },
    async (request) => {
      const filter = request.query.filter === undefined ? undefined : parseFilter(request.query.filter);
      const { engine, version } = slot.current;
      return { item: request.params.id, items: engine.similar(request.params.id, request.query.k ?? 10, filter), modelVersion: version };
    },
  );

  api.get(
    '/v1/popular',
    {
      schema: {
        summary: 'the most popular items by weighted events in a window',
        querystring: z.object({ window: z.string().optional().describe('30m, 12h, 7d, 2w or all (default 7d)'), k: K.optional(), filter: z.string().optional() }).strict(),
        response: { 200: z.object({ items: z.array(z.object({ item: z.string(), score: z.number() })), window: z.string(), source: z.enum(['events', 'training']) }), ...errors },
      },
    },
    async (request) => {
      const window = request.query.window ?? '7d';
      const span = parseWindow(window);
      const filter = request.query.filter === undefined ? undefined : parseFilter(request.query.filter);
      return { ...slot.current.engine.popular(span === null ? null : Date.now() - span, request.query.k ?? 10, filter), window };
    },
  );

  // ---- operations
  api.get('/health/live', { schema: { summary: 'the process answers' } }, async () => ({ status: 'ok' }));
  api.get('/health/ready', { schema: { summary: 'model loaded and store open' } }, async (_request, reply) => {
    if (ready && store.open) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready' });
  });
  api.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  api.get('/v1/status', { schema: { summary: 'model, store and process' } }, async () => {
    const memory = process.memoryUsage();
    const { model, version, engine, warning } = slot.current;
    const seen = store.seenItemsCache;
    return {
      model: { type: model.type, version, status: model.status, warning, users: model.numUsers, items: model.numItems },
      store: { path: store.path, ...store.counts(), duplicatesSinceStart: store.duplicates, eventWeights: { ...store.weights, rating: 'the rating given' } },
      cachedLists: engine.cachedLists,
      retrieval: engine.retrievalStatus,
      caches: {
        recommendationLists: { size: engine.cachedLists, limit: limits.cacheSize },
        filterResults: { size: engine.cachedFilters, limit: 32 },
        seenItems: { size: seen.users, limit: seen.maxUsers, items: seen.items, itemLimit: seen.maxItems },
      },
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
      ...(options.retrainer ? { retraining: options.retrainer.status() } : {}),
    };
  });

  registerUsersSimilar(app, slot, { maxK: limits.maxK });
  if (options.retrainer) registerAdminRoutes(app, options.retrainer);

  await registerExploreRoutes(app, { serving: () => slot.current, store, ...options.explore });
  return app;
}

/** A recommendation page as the engine builds it (the 200 answer of /v1/recommend). */
function isPage(data: unknown): data is RecommendPage {
  const page = data as RecommendPage | null;
  return typeof page === 'object' && page !== null && Array.isArray(page.items) && typeof page.recommId === 'string' && typeof page.modelVersion === 'string';
}

function httpName(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      405: 'Method Not Allowed',
      409: 'Conflict',
      413: 'Payload Too Large',
      414: 'URI Too Long',
      415: 'Unsupported Media Type',
    }[status] ?? 'Error'
  );
}
