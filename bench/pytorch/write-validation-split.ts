/**
 * Writes tastebud's validation carve of `lightfm-ua` (the train part's positives split per user,
 * 10 % held out, seed 42: what bench/deep-defaults.ts and an experiment's `search.validation: 0.1`
 * use) as two files of external ids, `fit.tsv` and `validation.tsv` (user, item, one pair a line),
 * so bench/pytorch/ncf_lightfm_ua.py --split-dir trains and measures on exactly the same pairs.
 * Test (ua.test) is not read into anything.
 *
 *   node --import tsx bench/pytorch/write-validation-split.ts /tmp/ncf-val-split
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Interactions } from '../../src/data/interactions.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { lightfmUa } from '../../src/eval/protocols/ranking.ts';

const dataDir = process.env.TASTEBUD_DATA_DIR ?? '../shared/data';
const out = process.argv[2];
if (!out) throw new Error('usage: write-validation-split.ts <output folder>');
if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
  process.stderr.write(`skipped: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)\n`);
  process.exit(0);
}
const p = await lightfmUa.prepare({ dataDir, download: false });
const s = perUserSplit(p.train, { testRatio: 0.1, seed: 42 });
const lines = (d: Interactions): string => {
  const rows: string[] = [];
  for (let k = 0; k < d.length; k++) rows.push(`${d.userIds.id(d.users[k])}\t${d.itemIds.id(d.items[k])}`);
  return `${rows.join('\n')}\n`;
};
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'fit.tsv'), lines(s.train));
writeFileSync(path.join(out, 'validation.tsv'), lines(s.test));
process.stderr.write(`wrote ${s.train.length} fit and ${s.test.length} validation pairs to ${out}\n`);
