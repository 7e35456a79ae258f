/**
 * Shared arithmetic of the models' cost declarations: peak memory (`estimateMemory`, checked by
 * the fit loop before anything is allocated) and an epoch's work against one validation score
 * (`validationCost`, weighed by `validationUsers: 'auto'`).
 */
export type OptimizerName = 'adam' | 'sgd' | 'adagrad';

/**
 * Bytes per trained weight: its value, its gradient buffer (Dense and SparseGradTable keep a dense
 * one) and the optimizer's state (Adam: m and v; Adagrad: one accumulator), float32 each.
 */
export function bytesPerWeight(optimizer: OptimizerName): number {
  return 4 * (2 + optimizerStateFloats(optimizer));
}

/** Floats of optimizer state per weight: Adam m and v, Adagrad one accumulator, SGD none. */
export function optimizerStateFloats(optimizer: OptimizerName): number {
  return optimizer === 'adam' ? 2 : optimizer === 'adagrad' ? 1 : 0;
}

/** Weights (= multiply-adds per row) of dense layers through these widths, biases included. */
export function chainWeights(widths: number[]): number {
  let n = 0;
  for (let l = 1; l < widths.length; l++) n += (widths[l - 1] + 1) * widths[l];
  return n;
}

export const MB = 2 ** 20;

/**
 * A worker thread's own runtime: its V8 heap and the modules it loads. Measured here (Node 20,
 * sources through tsx): a second thread adds 44–45 MB of peak RSS to a small fit, ~6 MB of it
 * the worker's arrays.
 */
export const WORKER_RUNTIME_BYTES = 40 * MB;
