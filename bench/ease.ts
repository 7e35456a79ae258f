/**
 * EASE on large catalogues: tastebud's float32 sweep (WebAssembly SIMD GEMM, 1 and 2 threads),
 * its float64 JavaScript path, and numpy/OpenBLAS EASE (float64, its default threads) on the
 * same synthetic data, alternating within one run; then, when ML-100K is present, the float32
 * path's accuracy against float64 on `lightfm-ua`. Prints JSON.
 *
 *   node --import tsx bench/ease.ts                    # 5,000 items, 3 runs of each
 *   BENCH_ITEMS=15000 BENCH_RUNS=1 BENCH_CASES=f32-2t,numpy node --import tsx bench/ease.ts
 *
 * BENCH_CASES picks cases (f32-2t, f32-1t, f64, numpy); float64 is left out above 6,000 items
 * unless named (it takes ~11 minutes at 15,000). numpy runs when `python3` has numpy and scipy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './common.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { Ease } from '../src/models/baselines/ease.ts';
import { relaxedSimdAvailable } from '../src/core/spd-inverse.ts';
import { formatBytes } from '../src/train/fit.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const items = Number(process.env.BENCH_ITEMS ?? 5000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const lambda = 500;
const named = process.env.BENCH_CASES?.split(',');
const wanted = (c: string): boolean => (named ? named.includes(c) : c !== 'f64' || items <= 6000);

async function timeTastebud(train: Parameters<Ease['fit']>[0], precision: 'float32' | 'float64', threads: number): Promise<{ seconds: number; model: Ease }> {
  const model = new Ease({ lambda, precision });
  const t0 = performance.now();
  await model.fit(train, { threads, seed: 1, progress: false, log: () => {} });
  return { seconds: (performance.now() - t0) / 1000, model };
}

function timeNumpy(train: ReturnType<typeof generateSynthetic>['interactions']): Record<string, number> | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'ease-bench-'));
  try {
    const pairs = new Int32Array(2 * train.length);
    for (let k = 0; k < train.length; k++) {
      pairs[2 * k] = train.users[k];
      pairs[2 * k + 1] = train.items[k];
    }
    const file = path.join(dir, 'pairs.bin');
    writeFileSync(file, pairs);
    const out = execFileSync('python3', [path.join(root, 'bench/ease_numpy.py'), file, String(train.numUsers), String(train.numItems), String(train.length), String(lambda)], {
      encoding: 'utf8',
    });
    return JSON.parse(out) as Record<string, number>;
  } catch (e) {
    console.error(`numpy case skipped: ${(e as Error).message.split('\n')[0]}`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function speed(): Promise<Record<string, unknown>> {
  const users = Math.round(items * 4);
  const { interactions: train } = generateSynthetic({ users, items, factors: 16, interactionsPerUser: 40, seed: 1 });
  const estimate = new Ease({ lambda }).estimateMemory({ users, items, interactions: train.length });
  console.error(`ease bench: ${users} users × ${items} items, ${train.length} interactions; float32 fit needs about ${formatBytes(estimate.bytes)}`);
  const seconds: Record<string, number[]> = {};
  const add = (name: string, s: number): void => {
    (seconds[name] ??= []).push(s);
    console.error(`  ${name}: ${s.toFixed(1)} s`);
  };
  for (let run = 0; run < runs; run++) {
    if (wanted('f32-2t')) add('tastebud-f32-2t', (await timeTastebud(train, 'float32', 2)).seconds);
    if (wanted('f32-1t')) add('tastebud-f32-1t', (await timeTastebud(train, 'float32', 1)).seconds);
    if (wanted('f64')) add('tastebud-f64-1t', (await timeTastebud(train, 'float64', 1)).seconds);
    if (wanted('numpy')) {
      const np = timeNumpy(train);
      if (np) add('numpy-f64', np.seconds);
    }
  }
  const medians = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, +median(v).toFixed(2)]));
  const ratios: Record<string, number> = {};
  if (medians['numpy-f64'] && medians['tastebud-f32-2t']) ratios['f32-2t / numpy'] = +(medians['tastebud-f32-2t'] / medians['numpy-f64']).toFixed(2);
  if (medians['tastebud-f64-1t'] && medians['tastebud-f32-2t']) ratios['f64-1t / f32-2t'] = +(medians['tastebud-f64-1t'] / medians['tastebud-f32-2t']).toFixed(2);
  if (medians['tastebud-f32-1t'] && medians['tastebud-f32-2t']) ratios['f32-1t / f32-2t'] = +(medians['tastebud-f32-1t'] / medians['tastebud-f32-2t']).toFixed(2);
  return { users, items, interactions: train.length, memoryEstimate: estimate.bytes, relaxedSimd: relaxedSimdAvailable(), runs: seconds, medianSeconds: medians, ratios };
}

/** float32 against float64 on ML-100K lightfm-ua: largest |ΔB|, users whose top 10 differ, the metrics. */
async function accuracy(): Promise<Record<string, unknown> | null> {
  let prepared: Awaited<ReturnType<typeof lightfmUa.prepare>>;
  try {
    prepared = await lightfmUa.prepare({ dataDir, download: false });
  } catch {
    console.error('ML-100K not found: accuracy check skipped');
    return null;
  }
  const out: Record<string, unknown> = {};
  for (const lam of [300, 1000]) {
    const f64 = new Ease({ lambda: lam, precision: 'float64' });
    const f32 = new Ease({ lambda: lam, precision: 'float32' });
    await f64.fit(prepared.train, { threads: 2, seed: 1, progress: false });
    await f32.fit(prepared.train, { threads: 2, seed: 1, progress: false });
    let maxAbs = 0;
    let maxB = 0;
    for (let i = 0; i < f64.weights.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(f64.weights[i] - f32.weights[i]));
      maxB = Math.max(maxB, Math.abs(f64.weights[i]));
    }
    let differ = 0;
    const users = prepared.train.numUsers;
    for (let u = 0; u < users; u++) {
      const a = f64
        .recommend(u, { k: 10 })
        .map((r) => r.item)
        .join();
      const b = f32
        .recommend(u, { k: 10 })
        .map((r) => r.item)
        .join();
      if (a !== b) differ++;
    }
    const m64 = lightfmUa.evaluate(f64, prepared).metrics;
    const m32 = lightfmUa.evaluate(f32, prepared).metrics;
    const pick = (m: Record<string, number>): Record<string, number> => ({
      'precision@10': +m['precision@10'].toFixed(4),
      'ndcg@10': +m['ndcg@10'].toFixed(4),
      auc: +m.auc.toFixed(4),
    });
    out[`lambda ${lam}`] = { maxAbsDiffB: maxAbs, maxAbsB: maxB, usersWithDifferentTop10: differ, users, float64: pick(m64), float32: pick(m32) };
  }
  return out;
}

async function main(): Promise<void> {
  const report = {
    node: process.version,
    load: loadavg().map((v) => +v.toFixed(1)),
    speed: await speed(),
    accuracyMl100k: await accuracy(),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(report, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
