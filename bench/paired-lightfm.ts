/**
 * Paired comparison of saved models on `lightfm-ua` test: per-user precision@10 and AUC of each
 * model against a reference model (e.g. BPR from the same experiment), with the paired mean
 * difference and Wilcoxon signed-rank p-value (bench/paired.ts). Run it only after the models
 * were chosen on validation: it reads test.
 *
 *   node --import tsx bench/paired-lightfm.ts runs/ncf-lightfm/models/bpr runs/ncf-lightfm/models/ncf [...]
 *
 * The first directory is the reference. Prints JSON.
 */
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { runPaired } from './paired.ts';

await runPaired(lightfmUa, ['precision@10', 'auc'], 'paired-lightfm.ts');
