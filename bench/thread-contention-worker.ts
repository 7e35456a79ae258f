/** bench/thread-contention.ts's worker: the same work as the main thread, on request. */
import { serveWorker } from '../src/core/pool.ts';
import { type Buffers, contentionWork } from './thread-contention-work.ts';

serveWorker((init: { kind: string; shared: Buffers | null }) => {
  const work = contentionWork(init.kind, 2, init.shared);
  return (msg: { reps: number }) => work(msg.reps);
});
