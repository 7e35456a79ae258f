/** A Hogwild worker of the pointwise deep models (see parallel.ts): its own tower over the shared parameters. */
import { serveWorker } from '../../core/pool.ts';
import { Rng } from '../../core/rng.ts';
import { NegativeSampler } from '../../sampling/negatives.ts';
import { buildTower, type DeepShard, type DeepWorkerInit } from './parallel.ts';
import { PointwiseBatches, PointwiseTrainer } from './pointwise.ts';

serveWorker((init: DeepWorkerInit, index: number) => {
  const rng = new Rng(init.seeds[index]);
  const tower = buildTower(init.plan.tower, rng.fork());
  const params = tower.params();
  if (params.length !== init.params.length) throw new Error(`worker tower has ${params.length} parameters, the model ${init.params.length}`);
  params.forEach((p, k) => {
    if (p.name !== init.params[k].name) throw new Error(`worker parameter ${k} is ${p.name}, the model's is ${init.params[k].name}`);
    p.adoptBuffers(init.params[k].buffers);
  });
  const { plan } = init;
  const csr = { rows: init.seenIndptr.length - 1, cols: init.numItems, indptr: init.seenIndptr, indices: init.seenIndices, values: new Float32Array(0), order: new Int32Array(0) };
  const sampler = plan.sampler ? new NegativeSampler({ csr, numItems: init.numItems, itemCounts: init.itemCounts ?? undefined }, { ...plan.sampler, rng: rng.fork() }) : null;
  const train = { users: init.users, items: init.items, values: init.values, length: init.users.length };
  const trainer = new PointwiseTrainer(new PointwiseBatches(train, plan.batchSize, plan.negatives, sampler), plan.loss);
  return (shard: DeepShard) => trainer.shard(tower, init.order, shard.start, shard.end, rng);
});
