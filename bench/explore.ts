/**
 * The explore page's speed. Server: the requests the page makes when it switches to a user
 * (recommend with explanations, the history, the compared model's list, titles for the lists),
 * timed through fastify's `inject` (no network), per switch and per request. Browser: first
 * contentful paint and the time until a user's recommendations are on screen, in headless
 * Chromium against the service on 127.0.0.1, a fresh page each run. Prints JSON (medians, p95).
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data node --conditions=tastebud-source --import tsx bench/explore.ts
 *   BENCH_DATA=ml-100k,ml-1m-size ...        ml-1m-size: synthetic, 6,040 users × 3,706 items, ~1 M interactions
 *
 * ML-100K: iALS (32 factors) beside EASE, titles and genres from u.item. ml-1m-size: iALS alone
 * (EASE's 3,706² solve is not what is measured here), generated titles.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { datasets } from '../src/data/datasets/index.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import type { Recommender } from '../src/models/recommender.ts';
import { createModel } from '../src/models/registry.ts';
import { buildApp } from '../src/serve/app.ts';
import { catalogueFromDataset, type Catalogue } from '../src/serve/explore-catalogue.ts';
import { EventStore } from '../src/serve/store.ts';

const which = (process.env.BENCH_DATA ?? 'ml-100k,ml-1m-size').split(',');
const SWITCHES = Number(process.env.BENCH_SWITCHES ?? 200);
const PAGE_RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function stats(ms: number[]): { median: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(2));
  return { median: at(0.5), p95: at(0.95) };
}

async function setup(name: string): Promise<{ model: Recommender; other: Recommender | null; catalogue: Catalogue; interactions: number } | null> {
  if (name === 'ml-100k') {
    const dir = process.env.TASTEBUD_DATA_DIR;
    if (!dir || !existsSync(join(dir, 'ml-100k', 'u.data'))) return null;
    const dataset = await datasets.load('ml-100k', { dataDir: dir, download: false });
    const positives = dataset.interactions.filter((p) => dataset.interactions.values[p] >= 4);
    const model = createModel('ials', { factors: 32, epochs: 5 });
    await model.fit(positives, { seed: 1, threads: 2, log: () => {} });
    const other = createModel('ease', {});
    await other.fit(positives, { seed: 1, threads: 2, log: () => {} });
    return { model, other, catalogue: catalogueFromDataset(dataset), interactions: positives.length };
  }
  const data = generateSynthetic({ users: 6040, items: 3706, factors: 16, interactionsPerUser: 165, ratings: true, time: true, seed: 1 });
  const model = createModel('ials', { factors: 32, epochs: 3 });
  await model.fit(data.interactions, { seed: 1, threads: 2, log: () => {} });
  const items = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < data.interactions.itemIds.size; i++) {
    items.set(data.interactions.itemIds.id(i), { title: `Synthetic film ${i} (${1950 + (i % 50)})`, genre: [`genre ${data.truth.itemCluster[i]}`] });
  }
  return { model, other: null, catalogue: { source: 'synthetic', items, interactions: data.interactions }, interactions: data.interactions.length };
}

const results = [];
for (const name of which) {
  const fx = await setup(name);
  if (!fx) {
    results.push({ data: name, skipped: 'ML-100K not found under TASTEBUD_DATA_DIR' });
    continue;
  }
  const store = EventStore.open(':memory:');
  const compare = fx.other ? { model: fx.other, version: 'ease' } : undefined;
  const app = await buildApp({ model: fx.model, store, modelVersion: 'ials', explore: { catalogue: fx.catalogue, compare } });
  const get = async (url: string): Promise<{ ms: number; json: { items?: { item: string; reason?: { items: { item: string }[] } }[] } }> => {
    const t = performance.now();
    const res = await app.inject({ method: 'GET', url });
    const ms = performance.now() - t;
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return { ms, json: res.json() };
  };
  // Warm-up: the lazily built lookups (item popularity, the dataset's CSR views).
  for (let n = 0; n < 20; n++) await get(`/v1/users/${fx.model.userIds.id(n)}/history`);

  const perRequest: Record<string, number[]> = { recommend: [], recommendWithoutExplain: [], history: [], compare: [], titles: [] };
  const switches: number[] = [];
  for (let n = 0; n < SWITCHES; n++) {
    const user = encodeURIComponent(fx.model.userIds.id((n * 7919) % fx.model.numUsers));
    const recommend = await get(`/v1/recommend?user=${user}&k=10&excludeSeen=true&explain=true`);
    const history = await get(`/v1/users/${user}/history?limit=200`);
    const other = compare ? await get(`/v1/compare/recommend?user=${user}&k=10&excludeSeen=true&explain=true`) : null;
    const ids = [...(recommend.json.items ?? []), ...(other?.json.items ?? [])].flatMap((r) => [r.item, ...(r.reason?.items.map((c) => c.item) ?? [])]);
    const titles = await get(`/v1/items?ids=${[...new Set(ids)].join(',')}&limit=100`);
    perRequest.recommend.push(recommend.ms);
    // Not part of a switch: what the explanations cost.
    perRequest.recommendWithoutExplain.push((await get(`/v1/recommend?user=${user}&k=10&excludeSeen=true`)).ms);
    perRequest.history.push(history.ms);
    if (other) perRequest.compare.push(other.ms);
    perRequest.titles.push(titles.ms);
    switches.push(recommend.ms + history.ms + (other?.ms ?? 0) + titles.ms);
  }

  let page: Record<string, unknown> = { skipped: `no Chromium at ${CHROMIUM}` };
  if (existsSync(CHROMIUM)) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const fcp: number[] = [];
    const shown: number[] = [];
    for (let run = 0; run < PAGE_RUNS + 1; run++) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.setViewportSize({ width: 1280, height: 900 });
      await tab.goto(`${url}/#/user/${encodeURIComponent(fx.model.userIds.id(run))}`);
      await tab.waitForSelector('[data-testid="recs"] > li', { timeout: 20_000 });
      const t = await tab.evaluate(() => ({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN, shown: performance.now() }));
      // The first run warms the server's lazy lookups and Chromium's disk cache; it is not counted.
      if (run > 0) fcp.push(t.fcp), shown.push(t.shown);
      await context.close();
    }
    await browser.close();
    page = { runs: PAGE_RUNS, firstContentfulPaintMs: stats(fcp), recommendationsShownMs: stats(shown) };
  }
  await app.close();
  store.close();
  results.push({
    data: name,
    users: fx.model.numUsers,
    items: fx.model.numItems,
    interactions: fx.interactions,
    compare: compare !== undefined,
    switches: SWITCHES,
    serverSwitchMs: stats(switches),
    serverPerRequestMs: Object.fromEntries(
      Object.entries(perRequest)
        .filter(([, v]) => v.length > 0)
        .map(([k, v]) => [k, stats(v)]),
    ),
    page,
  });
}
console.log(JSON.stringify({ bench: 'explore', node: process.version, results }, null, 2));
