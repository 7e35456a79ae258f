/**
 * The threads a VAE's dense products run on (src/core/gemm-threads.ts): the fit's `threads`, at most
 * two, for its training epochs and its scoring. The two-thread products equal the one-thread ones
 * bit for bit, so `threads` changes how fast a VAE trains and scores, never what it learns.
 */
import { availableParallelism } from 'node:os';
import { withGemmThreads } from '../../core/matmul.ts';
import { twoThreadsReady } from '../../core/gemm-threads.ts';

export class ProductThreads {
  private threads: number;

  /** `configured`: the model's `threads`, used until a fit says otherwise (capped by the cores). */
  constructor(configured: number) {
    this.threads = Math.min(2, configured, availableParallelism());
  }

  /** One training epoch's `work` over the fit's threads; waits for the helper first, so every product is split from the first epoch on. */
  async epoch<T>(threads: number, work: () => T): Promise<T> {
    this.threads = Math.min(2, threads);
    if (this.threads >= 2) await twoThreadsReady();
    return this.run(work);
  }

  /** `work` (synchronous) with its products over this model's threads. */
  run<T>(work: () => T): T {
    return withGemmThreads(this.threads, work);
  }
}
