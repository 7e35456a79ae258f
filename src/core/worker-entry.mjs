// Plain-JS entry for worker threads: Node cannot start a worker on a .ts file by itself, so
// this loads the TypeScript module named in workerData.module through tsx's API.
import { workerData } from 'node:worker_threads';

const { tsImport } = await import('tsx/esm/api');
await tsImport(workerData.module, import.meta.url);
