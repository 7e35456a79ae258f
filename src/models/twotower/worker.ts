/** A Hogwild worker of the two-tower model (see parallel.ts): its own network and batch loop over the shared parameters. */
import { serveWorker, trainClaimed } from '../../core/pool.ts';
import { Rng } from '../../core/rng.ts';
import { TwoTowerBatches } from './batches.ts';
import { HistorySampler } from './history-sample.ts';
import { TwoTowerNet } from './network.ts';
import type { TwoTowerEpochMessage, TwoTowerWorkerInit } from './parallel.ts';

serveWorker((init: TwoTowerWorkerInit, index: number) => {
  const rng = new Rng(init.seeds[index]);
  // Its initial weights are replaced by the shared ones below.
  const net = new TwoTowerNet(init.shape, init.optimizer, rng.fork(), 0);
  const params = net.params();
  if (params.length !== init.params.length) throw new Error(`worker network has ${params.length} parameters, the model ${init.params.length}`);
  params.forEach((p, k) => {
    if (p.name !== init.params[k].name) throw new Error(`worker parameter ${k} is ${p.name}, the model's is ${init.params[k].name}`);
    p.adoptBuffers(init.params[k].buffers);
  });
  const rows = {
    rows: init.rowsIndptr.length - 1,
    cols: init.shape.numItems,
    indptr: init.rowsIndptr,
    indices: init.rowsIndices,
    values: new Float32Array(0),
    order: new Int32Array(0),
  };
  const data = { posUsers: init.posUsers, posItems: init.posItems, rows, logPopularity: init.logPopularity, numItems: init.shape.numItems };
  const batches = new TwoTowerBatches(data, init.options);
  return (message: TwoTowerEpochMessage) => {
    net.sampleHistory(message.historySeed === null ? null : new HistorySampler(message.historyLimit, new Rng(message.historySeed)));
    return trainClaimed(init.order.length, init.cursor, init.chunk, (start, end) => batches.shard(net, init.order, start, end, rng));
  };
});
