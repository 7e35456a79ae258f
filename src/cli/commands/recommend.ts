import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ConfigError } from '../../contracts/errors.ts';
import { loadModel } from '../../models/load.ts';
import { recommendAllUsers } from '../../serve/batch.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { collect, parseColumns, parseNumber, parseSeparator } from '../options.ts';

export function registerRecommend(program: Command): void {
  program
    .command('recommend <model>')
    .description('top-k items for one user, or for every user into a file')
    .option('--user <id>', 'external user id')
    .option('-k, --k <n>', 'how many items', '10')
    .option('--include-seen', "don't leave out the user's training items")
    .option('--all-users', 'recommend for every user the model knows (with --out)')
    .option('--exclude <file>', 'leave out the (user, item) pairs in this file too (repeatable)', collect, [])
    .option('--columns <cols>', 'columns of --exclude files: user,item by header name or position', '0,1')
    .option('--sep <sep>', 'separator of --exclude files')
    .option('--header', '--exclude files have a header line')
    .option('--out <file>', 'with --all-users: write `user<TAB>item,item,...` lines here (default stdout)')
    .option('--threads <n>', 'with --all-users: worker threads (default: all cores)')
    .option('--json', 'JSON output')
    .action(async (dir: string, o) => {
      const model = await loadModel(dir);
      const k = parseNumber('-k', o.k, { integer: true, min: 1 });
      if (o.allUsers) {
        const exclude = [];
        for (const file of o.exclude as string[]) {
          exclude.push((await readInteractionsFile(file, { columns: parseColumns(o.columns), separator: parseSeparator(o.sep), header: o.header })).interactions);
        }
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { integer: true, min: 1 }) : undefined;
        const write = async (text: string): Promise<void> => {
          if (!out.write(text)) await once(out, 'drain');
        };
        const lines = await recommendAllUsers(model, dir, { k, excludeSeen: !o.includeSeen, exclude, threads }, write);
        if (out !== process.stdout) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'finish');
          process.stderr.write(`wrote ${lines} users' top-${k} to ${o.out}\n`);
        }
        return;
      }
      if (o.user === undefined) throw new ConfigError('give --user <id> (or --all-users --out FILE)');
      const recs = model.recommend(String(o.user), { k, excludeSeen: !o.includeSeen });
      if (o.json) {
        process.stdout.write(JSON.stringify({ user: String(o.user), model: model.type, recommendations: recs.map(({ item, score }) => ({ item, score })) }, null, 2) + '\n');
      } else {
        recs.forEach((r, rank) => process.stdout.write(`${rank + 1}\t${r.item}\t${r.score.toFixed(4)}\n`));
      }
    });

  program
    .command('similar <model>')
    .description('items most similar to an item (cosine of the item vectors)')
    .requiredOption('--item <id>', 'external item id')
    .option('-k, --k <n>', 'how many items', '10')
    .option('--json', 'JSON output')
    .action(async (dir: string, o) => {
      const model = await loadModel(dir);
      const recs = model.similarItems(String(o.item), parseNumber('-k', o.k, { integer: true, min: 1 }));
      if (o.json) process.stdout.write(JSON.stringify({ item: String(o.item), similar: recs.map(({ item, score }) => ({ item, score })) }, null, 2) + '\n');
      else recs.forEach((r, rank) => process.stdout.write(`${rank + 1}\t${r.item}\t${r.score.toFixed(4)}\n`));
    });
}
