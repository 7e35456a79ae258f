import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';

/**
 * A fixed set of worker threads running one TypeScript module, for Hogwild-style training:
 * parameters live in SharedArrayBuffers handed over once at start (`init`), then each epoch the
 * caller sends one small message per worker ("run your shard") and awaits the replies. Workers
 * are unref'd so a forgotten pool never keeps the process alive; `close()` ends them.
 *
 * The worker module calls `serveWorker(init => handler)`; see src/models/bilinear/worker.ts.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const w of workers) {
      w.unref();
      w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(`worker failed: ${msg.error}`));
        else p.resolve(msg.result);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker thread exited with code ${code}`));
      });
    }
  }

  /**
   * Start `size` workers on `module` (a file URL or absolute path of a .ts module), each given `init`.
   * Running from the build (this file is dist/core/pool.js) a `.ts` module whose compiled `.js`
   * sibling exists is started as that `.js` file, so callers name their worker's source either way.
   */
  static async start(module: string | URL, size: number, init: unknown): Promise<WorkerPool> {
    const href = builtSibling(module instanceof URL ? module.href : pathToFileURL(module).href);
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    const workers: Worker[] = [];
    for (let k = 0; k < size; k++) workers.push(new Worker(entry, { workerData: { module: href, init, index: k } }));
    const pool = new WorkerPool(workers);
    // Wait until every worker has loaded its module and built its state.
    await Promise.all(workers.map((_, k) => pool.send(k, { ready: true })));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Send one message to worker k; resolves with its reply. */
  send<T>(k: number, payload: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[k].postMessage({ id, payload });
    });
  }

  /** Message k goes to worker k; resolves with the replies in the same order. */
  run<T>(payloads: unknown[]): Promise<T[]> {
    return Promise.all(payloads.map((p, k) => this.send<T>(k, p)));
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    for (const w of ws) w.removeAllListeners('exit');
    await Promise.all(ws.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('worker pool closed'));
    this.pending.clear();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/**
 * Worker side: build state from the pool's `init` once, then answer each message with
 * `handler(payload)`. The `{ ready: true }` handshake is answered after setup.
 */
export function serveWorker<I, P, R>(setup: (init: I, index: number) => (payload: P) => R): void {
  if (!parentPort) throw new Error('serveWorker must run inside a worker thread');
  const port = parentPort;
  let handler: ((payload: P) => R) | null = null;
  let setupError: string | null = null;
  try {
    handler = setup(workerData.init as I, workerData.index as number);
  } catch (e) {
    setupError = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  port.on('message', (msg: { id: number; payload: P & { ready?: boolean } }) => {
    if (setupError !== null) return port.postMessage({ id: msg.id, error: setupError });
    if (msg.payload && msg.payload.ready === true) return port.postMessage({ id: msg.id, result: true });
    try {
      port.postMessage({ id: msg.id, result: handler!(msg.payload) });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

/**
 * One worker thread running `module` (resolved as WorkerPool.start does), given `init` as
 * `workerData.init`: for a long job that talks through its own messages (e.g. serve's retraining).
 */
export function startWorker(module: string | URL, init: unknown): Worker {
  const href = builtSibling(module instanceof URL ? module.href : pathToFileURL(module).href);
  return new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { module: href, init, index: 0 } });
}

/** The compiled `.js` sibling of a `.ts` module when this code runs from the build, else `href` unchanged. */
function builtSibling(href: string): string {
  if (!import.meta.url.endsWith('.js') || !href.endsWith('.ts')) return href;
  const js = href.slice(0, -3) + '.js';
  return existsSync(fileURLToPath(js)) ? js : href;
}

/**
 * Hogwild's work split: claims chunks of `chunk` positions of an epoch of `n` from the shared
 * `cursor` (one Atomics.add each) until none is left, and trains each with `train(start, end)`;
 * what every thread, the main one included, runs per epoch, so a slower thread takes fewer chunks.
 * Returns the summed loss, the rows it is averaged over, and the positions trained.
 */
export function trainClaimed(
  n: number,
  cursor: Int32Array,
  chunk: number,
  train: (start: number, end: number) => { loss: number; rows: number },
  progress: (done: number) => void = () => {},
): { loss: number; rows: number; positives: number } {
  const result = { loss: 0, rows: 0, positives: 0 };
  for (let start = Atomics.add(cursor, 0, chunk); start < n; start = Atomics.add(cursor, 0, chunk)) {
    const end = Math.min(n, start + chunk);
    const r = train(start, end);
    result.loss += r.loss;
    result.rows += r.rows;
    result.positives += end - start;
    progress(Math.min(1, end / n));
  }
  return result;
}

/** A copy of `a` in a SharedArrayBuffer, for worker threads to read without a copy each. */
export function sharedCopy<T extends Int32Array | Float32Array>(a: T): T {
  const s = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}

/**
 * One Hogwild epoch (after the caller shuffled the shared order): the cursor back to 0, message k
 * to worker k, and this thread claiming chunks alongside them with `train`; the mean loss over
 * every thread's rows.
 */
export async function hogwildEpoch(
  pool: WorkerPool,
  messages: unknown[],
  claim: { n: number; cursor: Int32Array; chunk: number },
  train: (start: number, end: number) => { loss: number; rows: number },
  progress: (done: number) => void,
): Promise<number> {
  Atomics.store(claim.cursor, 0, 0);
  const others = pool.run<{ loss: number; rows: number }>(messages);
  const own = trainClaimed(claim.n, claim.cursor, claim.chunk, train, progress);
  let loss = own.loss;
  let rows = own.rows;
  for (const r of await others) {
    loss += r.loss;
    rows += r.rows;
  }
  progress(1);
  return rows > 0 ? loss / rows : 0;
}
