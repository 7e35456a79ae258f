/**
 * tastebud's side of `ncf_lightfm_ua.py --split-dir` (validation mode): the issue-13 NCF setting
 * (embeddings 32 + 32, MLP [64, 32], BCE, 4 negatives, Adam 1e-3, batch 256, 20 epochs, no early
 * stopping) fit on the validation carve's fit part (the train positives of `lightfm-ua` less 10 %
 * per user, seed 42; write-validation-split.ts writes the same pairs for PyTorch) and measured on
 * the held-out 10 % after the last epoch: P@10 and per-user AUC, train pairs excluded, as the
 * Python script measures them. Test (ua.test) is never read into a number. One thread.
 *
 *   node --import tsx bench/pytorch/ncf-validation.ts '{"embeddingOptimizer":"dense"}' [seeds, default 1,2]
 *
 * The JSON argument overrides the setting (any ncf hyperparameter). Prints one JSON row per seed.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { perUserSplit } from '../../src/data/splits.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';
import { lightfmUa } from '../../src/eval/protocols/ranking.ts';
import { createModel } from '../../src/models/registry.ts';

const dataDir = process.env.TASTEBUD_DATA_DIR ?? '../shared/data';
if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
  process.stderr.write(`skipped: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)\n`);
  process.exit(0);
}
const SETTING = { factors: 32, layers: [64, 32], loss: 'bce', negatives: 4, optimizer: 'adam', learningRate: 0.001, batchSize: 256, epochs: 20 };
const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const seeds = (process.argv[3] ?? '1,2').split(',').map(Number);
const p = await lightfmUa.prepare({ dataDir, download: false });
const { train: fit, test: validation } = perUserSplit(p.train, { testRatio: 0.1, seed: 42 });
for (const seed of seeds) {
  const params = { ...SETTING, ...overrides };
  const model = createModel('ncf' as string, params);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const history = await model.fit(fit, { threads: 1, seed, log: () => {} });
  const c = process.cpuUsage(cpu0);
  const m = evaluateRanking(model, validation, { k: [10], exclude: model.seen, perUser: false }).metrics;
  console.log(
    JSON.stringify({
      case: 'tastebud-ncf-validation',
      split: 'validation',
      params: overrides,
      seed,
      'precision@10': +m['precision@10'].toFixed(4),
      auc: +m.auc.toFixed(4),
      lastLoss: +(history.epochs.at(-1)?.loss ?? Number.NaN).toFixed(5),
      fitSeconds: +((performance.now() - t0) / 1000).toFixed(1),
      fitCpuSeconds: +((c.user + c.system) / 1e6).toFixed(1),
      loadAverage: loadavg()[0],
    }),
  );
}
