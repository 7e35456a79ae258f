/**
 * What two threads cost each other on this machine, separated from Hogwild's training loop:
 * the CPU time of a fixed amount of work on one thread, against the same work on each of two
 * threads at once (the main thread and one worker); `cpuOverhead2v1` is the two-thread CPU time
 * per share ÷ the one-thread time.
 * - `gemm` and `*-private` share nothing: any overhead comes from the cores (shared execution
 *   units of SMT siblings, caches, clocks) and no code change can remove it;
 * - `rows-shared` and `dense-shared` update the same parameters from both threads (Hogwild):
 *   their overhead above `*-private` is the cost of cache lines moving between the cores.
 * The work is bench/thread-contention-work.ts. One JSON row per kind and round; rounds alternate
 * 1 and 2 threads.
 *
 *   BENCH_ROUNDS=5 node --import tsx bench/thread-contention.ts
 */
import { loadavg } from 'node:os';
import { WorkerPool } from '../src/core/pool.ts';
import { type Buffers, contentionParams, contentionWork } from './thread-contention-work.ts';

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const CASES: { name: string; kind: string; shared: boolean; reps: number }[] = [
  { name: 'gemm', kind: 'gemm', shared: false, reps: 4000 },
  { name: 'rows-private', kind: 'rows', shared: false, reps: 8000 },
  { name: 'rows-shared', kind: 'rows', shared: true, reps: 8000 },
  { name: 'dense-private', kind: 'dense', shared: false, reps: 8000 },
  { name: 'dense-shared', kind: 'dense', shared: true, reps: 8000 },
];

for (const c of CASES) {
  // Shared: the main thread's parameters in SharedArrayBuffers, adopted by the worker.
  const shared: Buffers | null = c.shared ? contentionParams(c.kind, null).map((p) => p.shareBuffers()) : null;
  const work = contentionWork(c.kind, 1, shared);
  const pool = await WorkerPool.start(new URL('./thread-contention-worker.ts', import.meta.url), 1, { kind: c.kind, shared });
  work(c.reps / 10);
  await pool.run([{ reps: c.reps / 10 }]);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    let c0 = process.cpuUsage();
    work(c.reps);
    let used = process.cpuUsage(c0);
    const one = (used.user + used.system) / 1e6;
    c0 = process.cpuUsage();
    const other = pool.run([{ reps: c.reps }]);
    work(c.reps);
    await other;
    used = process.cpuUsage(c0);
    const two = (used.user + used.system) / 1e6 / 2;
    ratios.push(two / one);
    console.log(
      JSON.stringify({
        case: `contention-${c.name}`,
        round,
        cpuSecondsOneThread: +one.toFixed(3),
        cpuSecondsPerThreadTwoThreads: +two.toFixed(3),
        microsecondsPerStep1t: +((one / c.reps) * 1e6).toFixed(1),
        cpuOverhead2v1: +(two / one).toFixed(3),
        loadAverage: loadavg()[0],
      }),
    );
  }
  console.log(JSON.stringify({ case: `contention-${c.name}`, medianCpuOverhead2v1: +med(ratios).toFixed(3) }));
  await pool.close();
}
