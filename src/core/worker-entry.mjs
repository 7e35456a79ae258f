// Plain-JS entry for worker threads, the same file in src/ and (copied by tsc's allowJs) in dist/.
// workerData.module names the worker's module: from the build it is a .js file and is imported
// as it is; from the sources (tests, benches, a checkout without a build) it is a .ts file, which
// Node cannot run by itself, so it is loaded through tsx's API (a dev dependency).
import { workerData } from 'node:worker_threads';

const module = String(workerData.module);
if (/\.[cm]?ts$/.test(module)) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(module, import.meta.url);
} else {
  await import(module);
}
