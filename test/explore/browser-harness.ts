import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { ExploreFixture } from './fixture.ts';
import { NO_SHEDDING } from '../serve/helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

/** Flags that keep Chromium from talking to anything but the page's own server. */
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-sync',
  '--disable-extensions',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,InterestFeedContentSuggestions',
];

/** Builds the page into dist/web when it is not there (a clean clone before `npm run build`). */
export function ensureWebBuilt(): void {
  const root = join(import.meta.dirname, '..', '..');
  if (existsSync(join(root, 'dist', 'web', 'index.html'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
}

export interface Harness {
  url: string;
  app: FastifyInstance;
  browser: Browser;
  context: BrowserContext;
  /** Requests to anything but the loopback server (aborted). */
  outside: string[];
  /** Console errors and uncaught exceptions of every page. */
  errors: string[];
  newPage(width: number): Promise<Page>;
  close(): Promise<void>;
}

/** The service on 127.0.0.1 (any free port) for a fixture, and headless Chromium that may reach only it. */
export async function startHarness(fx: ExploreFixture): Promise<Harness> {
  ensureWebBuilt();
  const store = EventStore.open(':memory:');
  const app = await buildApp({
    overload: NO_SHEDDING,
    model: fx.model,
    store,
    modelVersion: `${fx.model.type}-${fx.name}`,
    explore: { catalogue: fx.catalogue, compare: { model: fx.other, version: `${fx.other.type}-${fx.name}` } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: QUIET_FLAGS, timeout: 20_000 });
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1') return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    url,
    app,
    browser,
    context,
    outside,
    errors,
    async newPage(width: number) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      page.setDefaultTimeout(10_000);
      page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      await app.close();
      store.close();
    },
  };
}
