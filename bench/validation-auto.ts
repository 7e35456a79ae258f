/**
 * What validation costs per epoch under the fit loop's default, before and after
 * `validationUsers: 'auto'`: NCF (the issue-13 setting) on the synthetic 17 K-item catalogue of
 * docs/deep-models.md (6,000 users, ~25 positives each, 10 % of each user's held out). The old
 * default validated every user; the new one takes the cost model's sample (src/train/validation-users.ts).
 * CPU seconds on one thread (steadier than wall time on a loaded machine): the second training
 * epoch, then one AUC pass (as early stopping measures it) over every validation user and over the
 * auto sample (median of BENCH_ROUNDS passes, default 5). Prints JSON.
 *
 *   node --import tsx bench/validation-auto.ts
 */
import { loadavg } from 'node:os';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { perUserSplit } from '../src/data/splits.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { createModel } from '../src/models/registry.ts';
import type { Trainable } from '../src/train/types.ts';
import { sampleValidationUsers, validationScore } from '../src/train/validation.ts';
import { chooseValidationUsers, countUsers } from '../src/train/validation-users.ts';
import { median } from './common.ts';

const NCF = { factors: 32, layers: [64, 32], loss: 'bce' as const, negatives: 4, optimizer: 'adam' as const, learningRate: 0.001, batchSize: 256 };
const SEED = 1;

function cpuSeconds<T>(f: () => T): { seconds: number; value: T } {
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { seconds: (c.user + c.system) / 1e6, value };
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const data = generateSynthetic({ users: 6000, items: 17_000, factors: 16, clusters: 16, interactionsPerUser: 25, popularitySkew: 0.8, seed: 5 });
  const { train, test: validation } = perUserSplit(data.interactions, { testRatio: 0.1, seed: 1 });
  const model = createModel('ncf', { ...NCF, epochs: 2 });
  // The fit loop's own log line says what the default chose; the epoch's CPU is read between callbacks.
  const lines: string[] = [];
  let epochCpu = 0;
  let last = process.cpuUsage();
  await model.fit(train, {
    threads: 1,
    seed: SEED,
    validation,
    log: (l) => void lines.push(l),
    callbacks: {
      onEpochEnd: () => {
        const c = process.cpuUsage(last);
        epochCpu = (c.user + c.system) / 1e6;
        last = process.cpuUsage();
      },
    },
  });
  const shape = { users: train.numUsers, items: train.numItems, interactions: train.length };
  const choice = chooseValidationUsers('auto', model as unknown as Trainable, shape, countUsers(validation), true);
  const sample: Interactions = sampleValidationUsers(validation, choice.users, SEED).sample;
  const auto = Array.from({ length: rounds }, () => cpuSeconds(() => validationScore(model as unknown as Trainable, sample, 'auc')));
  const all = cpuSeconds(() => validationScore(model as unknown as Trainable, validation, 'auc'));
  // The fit measured epoch + auto validation together in its second epoch; take the auto pass out.
  const autoSeconds = median(auto.map((a) => a.seconds));
  const trainSeconds = epochCpu - autoSeconds;
  const out = {
    bench: 'validation-auto',
    unit: 'CPU seconds, one thread',
    users: train.numUsers,
    items: train.numItems,
    positives: train.length,
    fitLog: lines.find((l) => l.startsWith('validating on a sample')) ?? null,
    epochSeconds: +trainSeconds.toFixed(3),
    before: {
      validationUsers: 'every user (the old default)',
      users: choice.of,
      seconds: +all.seconds.toFixed(3),
      fractionOfEpoch: +(all.seconds / trainSeconds).toFixed(3),
      auc: +all.value.toFixed(4),
    },
    after: {
      validationUsers: 'auto (the new default)',
      users: choice.users,
      seconds: +autoSeconds.toFixed(3),
      fractionOfEpoch: +(autoSeconds / trainSeconds).toFixed(3),
      auc: +auto[0].value.toFixed(4),
      rounds,
      secondsEach: auto.map((a) => +a.seconds.toFixed(3)),
    },
    beforeOverAfter: +(all.seconds / autoSeconds).toFixed(1),
    load: loadavg().map((v) => +v.toFixed(1)),
    node: process.version,
  };
  console.log(JSON.stringify(out, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
