/** Worker side of src/core/spd-inverse.ts: runs lists of GEMM calls on the shared WebAssembly memory. */
import { serveWorker } from './pool.ts';
import { type GemmCall, sharedGemm } from './spd-inverse.ts';

interface SpdWorkerInit {
  memory: Parameters<typeof sharedGemm>[0];
  relaxed: boolean;
}

serveWorker((init: SpdWorkerInit) => {
  const gemm = sharedGemm(init.memory, init.relaxed);
  return (calls: GemmCall[]) => {
    for (const call of calls) gemm(...call);
    return calls.length;
  };
});
