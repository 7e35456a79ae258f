import type { Command } from 'commander';
import { createWriteStream, existsSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { ConfigError, ModelFileError } from '../../contracts/errors.ts';
import { nonFiniteScores, type Recommender } from '../../models/recommender.ts';
import { loadModel } from '../../models/load.ts';
import { healthSampleUsers, modelWarning } from '../../models/health.ts';
import { alignToModel } from '../../serve/align.ts';
import { recommendAllUsers } from '../../serve/batch.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import type { Interactions } from '../../data/interactions.ts';
import { parseColumns, parseNumber, parseSeparator } from '../options.ts';

export function registerRecommend(program: Command): void {
  program
    .command('recommend <model>')
    .description('top-k items for one user, or for every user into a file')
    .option('--user <id>', 'external user id')
    .option('-k, --k <n>', 'how many items', '10')
    .option('--include-seen', "don't leave out the user's training items")
    .option('--all-users', 'recommend for every user the model knows (with --out)')
    .option('--exclude <files...>', 'leave out the (user, item) pairs in these files too (several after one flag, or repeat the flag)')
    .option('--columns <cols>', 'columns of --exclude files: user,item by header name or position', '0,1')
    .option('--sep <sep>', 'separator of --exclude files')
    .option('--header', '--exclude files have a header line')
    .option('--out <file>', 'with --all-users: write `user<TAB>item,item,...` lines here (default stdout)')
    .option('--threads <n>', 'with --all-users: worker threads (default: all cores)')
    .option('--json', 'JSON output')
    .action((dir: string, o) => recommend(dir, o));

  program
    .command('similar <model>')
    .description('items most similar to an item (cosine of the item vectors)')
    .requiredOption('--item <id>', 'external item id')
    .option('-k, --k <n>', 'how many items', '10')
    .option('--json', 'JSON output')
    .action(async (dir: string, o) => {
      const k = parseNumber('-k', o.k, { integer: true, min: 1 });
      const model = await loadModel(dir);
      warnIfNotTrained(model, dir);
      const recs = model.similarItems(String(o.item), k);
      if (o.json) process.stdout.write(JSON.stringify({ item: String(o.item), similar: recs.map(({ item, score }) => ({ item, score })) }, null, 2) + '\n');
      else recs.forEach((r, rank) => process.stdout.write(`${rank + 1}\t${r.item}\t${r.score.toFixed(4)}\n`));
    });
}

async function recommend(dir: string, o: Record<string, any>): Promise<void> {
  // Flags are checked before the (possibly slow) model load.
  const k = parseNumber('-k', o.k, { integer: true, min: 1 });
  const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { integer: true, min: 1 }) : undefined;
  if (!o.allUsers && o.user === undefined) throw new ConfigError('give --user <id> (or --all-users --out FILE)');
  if (o.allUsers && o.user !== undefined) throw new ConfigError('give either --user <id> or --all-users, not both');
  if (!o.allUsers && (o.exclude !== undefined || o.out !== undefined)) throw new ConfigError('--exclude and --out go with --all-users');
  const model = await loadModel(dir);
  // A user whose scores are NaN or ±∞ would get a short list ranked by nothing: refused, saying why, before any output.
  // --all-users judges the users modelWarning samples (first, middle, last): scoring every user twice would double the run.
  refuseNonFiniteScores(model, dir, o.allUsers ? healthSampleUsers(model.numUsers) : [model.userIndex(String(o.user))]);
  warnIfNotTrained(model, dir);
  if (o.allUsers) {
    const exclude: Interactions[] = [];
    for (const file of (o.exclude ?? []) as string[]) {
      const pairs = (await readInteractionsFile(file, { columns: parseColumns(o.columns), separator: parseSeparator(o.sep), header: o.header })).interactions;
      // Aligned here, once: the pairs naming users or items the model does not know exclude nothing, and are said.
      const { interactions, dropped } = alignToModel(model, pairs);
      if (dropped > 0) process.stderr.write(`tastebud: note: ${file}: ${dropped} of ${pairs.length} pairs name a user or item the model does not know, so they exclude nothing\n`);
      exclude.push(interactions);
    }
    if (!o.out) {
      await recommendAllUsers(model, dir, { k, excludeSeen: !o.includeSeen, exclude, threads }, (text) => writeTo(process.stdout, text));
      return;
    }
    const lines = await writeAtomically(o.out, (write, onProgress) => recommendAllUsers(model, dir, { k, excludeSeen: !o.includeSeen, exclude, threads, onProgress }, write));
    process.stderr.write(`wrote ${lines} users' top-${k} to ${o.out}\n`);
    return;
  }
  const recs = model.recommend(String(o.user), { k, excludeSeen: !o.includeSeen });
  if (o.json) {
    process.stdout.write(JSON.stringify({ user: String(o.user), model: model.type, recommendations: recs.map(({ item, score }) => ({ item, score })) }, null, 2) + '\n');
  } else {
    recs.forEach((r, rank) => process.stdout.write(`${rank + 1}\t${r.item}\t${r.score.toFixed(4)}\n`));
  }
}

async function writeTo(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Writes `path` through a temporary file beside it, renamed over it only when `body` finishes:
 * an interrupted run (error, Ctrl-C, kill) leaves any earlier file as it was and no partial one.
 * Progress goes to stderr when it is a terminal.
 */
async function writeAtomically<T>(path: string, body: (write: (text: string) => Promise<void>, onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  if (existsSync(path) && statSync(path).isDirectory()) throw new ConfigError(`cannot write ${path}: it is a folder; --out takes a file path`);
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  let out: WriteStream | null = null;
  const cleanUp = (): void => {
    out?.destroy();
    try {
      // Synchronous: the process is about to exit.
      rmSync(temp, { force: true });
    } catch {}
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.stderr.write(`\ntastebud: interrupted; ${path} was not written\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  // Listening before the temporary file exists: a signal can never find it unguarded.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stream: WriteStream = createWriteStream(temp);
  out = stream;
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {});
  await Promise.race([once(stream, 'open'), failed]).catch((error: NodeJS.ErrnoException) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw new ConfigError(`cannot write ${path}: ${error.code === 'ENOENT' ? 'its folder does not exist' : error.message}`);
  });
  const tty = process.stderr.isTTY === true;
  let shown = 0;
  const onProgress = (done: number, total: number): void => {
    if (!tty) return;
    const now = Date.now();
    if (done < total && now - shown < 200) return;
    shown = now;
    process.stderr.write(
      `\r${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} users (${Math.floor((100 * done) / Math.max(1, total))}%)${done === total ? '\n' : ''}`,
    );
  };
  try {
    const result = await Promise.race([body((text) => Promise.race([writeTo(stream, text), failed]), onProgress), failed]);
    stream.end();
    await Promise.race([once(stream, 'finish'), failed]);
    await rename(temp, path);
    return result;
  } catch (error) {
    stream.destroy();
    await rm(temp, { force: true });
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Refuses (exit 1) when the model's scores for any of `users` are not finite numbers: the list
 * would be a few arbitrary rows with NaN scores. The message names the user and what the scores
 * are, gives modelWarning's cause where it names one (diverged in training, non-finite weights),
 * and the fix.
 */
function refuseNonFiniteScores(model: Recommender, dir: string, users: number[]): void {
  const scores = new Float32Array(model.numItems);
  for (const u of users) {
    try {
      model.scoreItems(u, scores);
    } catch {
      continue; // not judged here: recommending for the user fails with this error itself
    }
    const found = nonFiniteScores(scores);
    if (found === null) continue;
    const warning = modelWarning(model);
    // The untrained warning (or none: this user's row alone) does not say why the scores are not numbers.
    const cause = warning !== null && model.status !== 'untrained' ? warning : 'holds non-finite weights (NaN or ±∞) for this user: retrain it';
    const fix = /learning rate/.test(cause) ? '' : '; if its training diverged, lower the learning rate or add L2';
    throw new ModelFileError(
      `cannot recommend for user "${model.userIds.id(u)}": its scores are not finite numbers (${found}). ${dir} ${cause}${fix} (\`tastebud doctor train --model ${model.type}\` on the same data finds a learning rate that trains)`,
    );
  }
}

/** A model whose file says it never trained or diverged still answers, but the user hears why its answers are poor. */
function warnIfNotTrained(model: Recommender, dir: string): void {
  const warning = modelWarning(model);
  if (warning) process.stderr.write(`tastebud: warning: ${dir} ${warning}\n`);
}
