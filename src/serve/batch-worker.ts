/**
 * Worker thread for parallel batch recommendations: loads the model file once, then answers
 * "users [start, end)" with their `user<TAB>item,item,...` lines (external ids, best first).
 */
import { workerData } from 'node:worker_threads';
import { serveWorker } from '../core/pool.ts';
import { loadModel } from '../models/load.ts';
import { formatRecommendationLines, type BatchWorkerInit } from './batch.ts';

const init = (workerData as { init: BatchWorkerInit }).init;
const model = await loadModel(init.dir);

serveWorker<BatchWorkerInit, { start: number; end: number }, string>(
  () =>
    ({ start, end }) =>
      formatRecommendationLines(model, { k: init.k, excludeSeen: init.excludeSeen, excludeCsrs: init.exclude, start, end }),
);
