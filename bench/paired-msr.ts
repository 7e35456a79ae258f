/**
 * Paired comparison of saved models on ML-100K `msr-stratified` test: per-user NDCG@10 and AUC of
 * each model against a reference model (e.g. EASE from the same experiment), with the paired mean
 * difference and Wilcoxon signed-rank p-value (bench/paired.ts). Run it only after the models were
 * chosen on validation: it reads test.
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data node --import tsx bench/paired-msr.ts \
 *     runs/recvae-ema-msr/models/ease runs/recvae-ema-msr/models/recvae-ema [...]
 *
 * The first directory is the reference. Prints JSON.
 */
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { runPaired } from './paired.ts';

await runPaired(msrStratified, ['ndcg@10', 'auc'], 'paired-msr.ts');
