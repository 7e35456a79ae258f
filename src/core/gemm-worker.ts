/**
 * Worker side of src/core/gemm-threads.ts: the GEMM over the shared memory, running each part of a
 * product it is handed through the control block, for the life of the process.
 */
import { workerData } from 'node:worker_threads';
import { CONTROL, STATE } from './gemm-threads.ts';
import { sharedGemm } from './spd-inverse.ts';

interface GemmWorkerInit {
  memory: Parameters<typeof sharedGemm>[0];
  control: Int32Array;
}

const { memory, control } = workerData.init as GemmWorkerInit;
// However this thread ends, a caller waiting on it wakes up and sees it gone (ready −1).
process.on('exit', () => {
  Atomics.store(control, CONTROL.ready, -1);
  Atomics.notify(control, CONTROL.ready);
  Atomics.notify(control, CONTROL.state);
});
// Without relaxed-SIMD FMA: the same arithmetic as the calling thread's kernel, so a split product is bit for bit one thread's.
const gemm = sharedGemm(memory, false);
Atomics.store(control, CONTROL.ready, 1);
Atomics.notify(control, CONTROL.ready);

for (;;) {
  // Sleep until the state changes from what it is (idle, or done until the caller takes the result).
  const now = Atomics.load(control, CONTROL.state);
  if (now !== STATE.posted) {
    Atomics.wait(control, CONTROL.state, now);
    continue;
  }
  const a = Array.from(control.subarray(CONTROL.args, CONTROL.args + 11));
  let state: number = STATE.done;
  try {
    gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    Atomics.add(control, CONTROL.jobs, 1);
  } catch {
    state = STATE.failed;
  }
  Atomics.store(control, CONTROL.state, state);
  Atomics.notify(control, CONTROL.state);
}
