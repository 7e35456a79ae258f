import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { FastifyInstance } from 'fastify';
import type { Recommender } from '../../src/models/recommender.ts';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import { createModel } from '../../src/models/registry.ts';

/** A small iALS model (60 users u0.., 40 items i0..) trained on planted synthetic data in a few ms. */
export async function tinyModel(): Promise<Recommender> {
  const data = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 3 });
  const model = createModel('ials', { factors: 8, epochs: 3 });
  await model.fit(data.interactions, { seed: 1 });
  return model;
}

/** A parsed JSON response body, read field by field in the tests. */
// biome-ignore lint/suspicious/noExplicitAny: a response body's shape is what each test asserts.
export type Json = Record<string, any>;

/**
 * Load shedding off (`maxEventLoopDelayMs: 0`): test files run in parallel on a shared 2-core
 * machine, where an event loop held past the 1 s default by other processes made routes answer
 * 503. Shedding itself is tested in limits.test.ts.
 */
export const NO_SHEDDING = { maxEventLoopDelayMs: 0 };

/** The service over a fresh in-memory event store, for one block of tests. */
export async function memoryApp(model: Recommender): Promise<{ store: EventStore; app: FastifyInstance }> {
  const store = EventStore.open(':memory:');
  return { store, app: await buildApp({ overload: NO_SHEDDING, model, store }) };
}

export async function closeApp({ app, store }: { app: FastifyInstance; store: EventStore }): Promise<void> {
  await app.close();
  store.close();
}
