/** A Hogwild worker of the deep models (see parallel.ts): its own tower and batch loop over the shared parameters. */
import { serveWorker } from '../../core/pool.ts';
import { Rng } from '../../core/rng.ts';
import { NegativeSampler } from '../../sampling/negatives.ts';
import { buildTower, type DeepEpochMessage, type DeepWorkerInit, trainClaimedChunks } from './parallel.ts';
import { PointwiseBatches, PointwiseTrainer } from './pointwise.ts';
import { SteppedTower } from './stepped-tower.ts';
import type { ShardTrainer } from './tower.ts';
import { TripletTrainer } from './triplets.ts';

serveWorker((init: DeepWorkerInit, index: number) => {
  const rng = new Rng(init.seeds[index]);
  const built = buildTower(init.plan.tower, rng.fork());
  const params = built.params();
  if (params.length !== init.params.length) throw new Error(`worker tower has ${params.length} parameters, the model ${init.params.length}`);
  params.forEach((p, k) => {
    if (p.name !== init.params[k].name) throw new Error(`worker parameter ${k} is ${p.name}, the model's is ${init.params[k].name}`);
    p.adoptBuffers(init.params[k].buffers);
  });
  const steps = init.steps;
  // Counted so that a weight average on the main thread can follow this thread's steps too.
  const tower = new SteppedTower(built, () => Atomics.add(steps, 0, 1));
  const { plan } = init;
  const csr = { rows: init.seenIndptr.length - 1, cols: init.numItems, indptr: init.seenIndptr, indices: init.seenIndices, values: new Float32Array(0), order: new Int32Array(0) };
  const source = { csr, numItems: init.numItems, itemCounts: init.itemCounts ?? undefined };
  const sampler = plan.sampler ? new NegativeSampler(source, { ...plan.sampler, rng: rng.fork() }) : null;
  const train = { users: init.users, items: init.items, values: init.values, length: init.users.length };
  const trainer: ShardTrainer =
    plan.trainer === 'triplet'
      ? new TripletTrainer(train, sampler!, plan.batchSize, plan.loss, plan.margin)
      : new PointwiseTrainer(new PointwiseBatches(train, plan.batchSize, plan.negatives, sampler, plan.logQ ?? false), plan.loss);
  return (message: DeepEpochMessage) => {
    message.learningRates.forEach((lr, k) => {
      params[k].learningRate = lr;
    });
    return trainClaimedChunks(trainer, tower, init.order, init.cursor, init.chunk, rng);
  };
});
