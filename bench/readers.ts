// Reader throughput and memory: writes synthetic user,item,rating,timestamp CSVs of 1 M and
// 10 M lines to the temp folder, reads each with readInteractions in a fresh child process (so
// peak RSS belongs to that read alone), prints one JSON line per size, and deletes the files.
//
//   node --import tsx bench/readers.ts            # 1 M and 10 M lines
//   node --import tsx bench/readers.ts 2000000    # chosen sizes
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { readInteractions } from '../src/data/readers/delimited.ts';

/** Writes `lines` random ratings: users and items drawn uniformly, ~50 rows per user, ~200 per item. */
async function writeCsv(path: string, lines: number, rng: Rng): Promise<void> {
  const users = Math.max(1, Math.floor(lines / 50));
  const items = Math.max(1, Math.floor(lines / 200));
  const out = createWriteStream(path);
  const batch = 100_000;
  for (let start = 0; start < lines; start += batch) {
    let text = '';
    for (let k = start; k < Math.min(lines, start + batch); k++) {
      text += `${rng.int(users)},${rng.int(items)},${1 + rng.int(5)},${946684800 + rng.int(600_000_000)}\n`;
    }
    if (!out.write(text)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
}

/** Child: reads one file and prints its measurements. */
async function measure(path: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const { interactions, report } = await readInteractions(path, { columns: { user: 0, item: 1, rating: 2, time: 3 } });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // Array buffers are freed by a background sweeper: let it run before looking.
  for (let k = 0; k < 2; k++) {
    gc?.();
    await new Promise((done) => setTimeout(done, 200));
  }
  const after = process.memoryUsage();
  const lines = report.rowsRead;
  const retained = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({
      lines,
      fileMiB: +(statSync(path).size / 2 ** 20).toFixed(1),
      seconds: +seconds.toFixed(2),
      linesPerSecond: Math.round(lines / seconds),
      // Wall time suffers when other processes share the cores; CPU time does not.
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      interactions: interactions.length,
      users: interactions.numUsers,
      items: interactions.numItems,
      duplicates: report.duplicates,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      peakBytesPerInteraction: Math.round((peakRss - before.rss) / lines),
      retainedBytesPerInteraction: +(retained / lines).toFixed(1),
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measure(process.argv[3]);
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1_000_000, 10_000_000];
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-bench-readers-'));
  const self = fileURLToPath(import.meta.url);
  try {
    for (const lines of sizes) {
      const path = join(dir, `ratings-${lines}.csv`);
      await writeCsv(path, lines, new Rng(lines));
      const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', self, '--measure', path], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (child.status !== 0) throw new Error(`reading ${lines} lines failed (exit ${child.status})`);
      rmSync(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
