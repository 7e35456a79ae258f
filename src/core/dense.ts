/**
 * A fully connected layer Y = X·W + b over mini-batches (row-major, batch × features). W is
 * in × out, so `Param` rows are the fan-in as the init schemes expect. The layer keeps a
 * reference to its last input and owns its output / gradient buffers (grown on demand), so a
 * training step allocates nothing. Gradients are summed over the batch; callers pass the loss's
 * 1/batch in the upstream gradient.
 */
import { Param, type InitScheme, type OptimizerConfig } from './params.ts';
import { addColumnSums, matmul, matmulAddRelu, matmulBiasRelu, matmulTransA, matmulTransB, reluBackwardColumnSums, simdKernel } from './matmul.ts';
import type { Rng } from './rng.ts';

export interface DenseOptions {
  optimizer: OptimizerConfig;
  /** Weight init (default He normal, right for ReLU layers); biases start at 0. */
  init?: InitScheme;
  name?: string;
  shared?: boolean;
}

/**
 * A batch of input rows whose first `sharedDim` columns repeat over runs of consecutive rows (a
 * positive's user vector over its sampled negatives): run q covers rows [start[q], start[q + 1])
 * and its shared columns are shared[q·sharedDim ..]; row r's other columns are rest[r·restDim ..]
 * (restDim = inDim − sharedDim). A layer multiplies the shared part once per run, not per row.
 */
export interface RunRows {
  runs: number;
  /** runs + 1 row offsets. */
  start: Int32Array;
  shared: Float32Array;
  sharedDim: number;
  rest: Float32Array;
}

/** dL/d(input) of a `RunRows` batch: per run for the shared columns (summed over its rows), per row for the rest. */
export interface RunGradients {
  shared: Float32Array;
  rest: Float32Array;
}

export class Dense {
  readonly inDim: number;
  readonly outDim: number;
  readonly weight: Param;
  readonly bias: Param;
  /** dL/dW and dL/db of the last backward pass (summed over its batch). */
  readonly gradWeight: Float32Array;
  readonly gradBias: Float32Array;
  /** Output of the last forward pass (capacity ≥ batch × outDim). */
  output = new Float32Array(0);
  /** dL/dX of the last backward pass (capacity ≥ batch × inDim). */
  inputGrad = new Float32Array(0);
  private input: Float32Array | null = null;
  private runInput: RunRows | null = null;
  /** Per-run buffers of `forwardRuns` / `backwardRuns`: the shared part's product, dY summed per run, dL/d(shared). */
  private runOut = new Float32Array(0);
  private runGrad = new Float32Array(0);
  private sharedGrad = new Float32Array(0);

  constructor(inDim: number, outDim: number, rng: Rng, options: DenseOptions) {
    if (!(Number.isInteger(inDim) && inDim > 0 && Number.isInteger(outDim) && outDim > 0)) {
      throw new RangeError(`dense layer sizes must be positive whole numbers, got ${inDim} → ${outDim}`);
    }
    const name = options.name ?? 'dense';
    this.inDim = inDim;
    this.outDim = outDim;
    this.weight = new Param(`${name}.weight`, inDim, outDim, options.optimizer, { shared: options.shared }).init(options.init ?? { kind: 'he' }, rng);
    this.bias = new Param(`${name}.bias`, 1, outDim, options.optimizer, { shared: options.shared });
    this.gradWeight = new Float32Array(inDim * outDim);
    this.gradBias = new Float32Array(outDim);
  }

  /**
   * Y = X·W + b for n rows of x, or max(X·W + b, 0) with `relu` (fused into the product); returns
   * `output` (valid for n × outDim). x is kept for backward.
   */
  forwardBatch(x: Float32Array, n: number, relu = false): Float32Array {
    if (this.output.length < n * this.outDim) this.output = new Float32Array(n * this.outDim);
    if (relu) matmulBiasRelu(x, this.weight.data, this.bias.data, this.output, n, this.inDim, this.outDim);
    else matmul(x, this.weight.data, this.bias.data, this.output, n, this.inDim, this.outDim);
    this.input = x;
    this.runInput = null;
    return this.output;
  }

  /**
   * `forwardBatch` for rows given as `RunRows`: Y = [shared | rest]·W + b with the shared columns'
   * product computed once per run and added to its rows, then the rest's product added on top
   * (ReLU fused as in `forwardBatch`). The same function of the rows; on NCF's batches (a user
   * over 1 + 4 rows) the user half of the first layer costs a fifth.
   */
  forwardRuns(x: RunRows, n: number, relu = false): Float32Array {
    const m = this.outDim;
    const ks = x.sharedDim;
    if (this.output.length < n * m) this.output = new Float32Array(n * m);
    if (this.runOut.length < x.runs * m) this.runOut = new Float32Array(x.runs * m);
    const y = this.output;
    this.input = null;
    this.runInput = x;
    const kernel = simdKernel();
    if (kernel?.hasLayerPasses(m)) {
      kernel.forwardRuns(x.shared, x.rest, x.start, x.runs, this.weight.data, this.bias.data, y, n, ks, this.inDim - ks, m, relu);
      return y;
    }
    const u = this.runOut;
    const b = this.bias.data;
    matmul(x.shared, this.weight.data, null, u, x.runs, ks, m);
    for (let q = 0; q < x.runs; q++) {
      const uo = q * m;
      for (let r = x.start[q]; r < x.start[q + 1]; r++) {
        const o = r * m;
        for (let j = 0; j < m; j++) y[o + j] = u[uo + j] + b[j];
      }
    }
    matmulAddRelu(x.rest, this.weight.data, y, n, this.inDim - ks, m, ks * m, relu);
    return y;
  }

  /**
   * Backward of the last `forwardRuns`: gradWeight's shared rows = sharedᵀ·S with S the per-run
   * sums of dY, its other rows = restᵀ·dY, gradBias = Σ dY (unless `biasGradDone`); returns
   * dL/d(shared) = S·W_sharedᵀ (per run) and dL/d(rest) = dY·W_restᵀ (per row).
   */
  backwardRuns(dy: Float32Array, n: number, biasGradDone = false): RunGradients {
    const x = this.runInput;
    if (x === null) throw new Error('Dense.backwardRuns called before forwardRuns');
    const m = this.outDim;
    const ks = x.sharedDim;
    const kr = this.inDim - ks;
    if (this.runGrad.length < x.runs * m) this.runGrad = new Float32Array(x.runs * m);
    if (this.sharedGrad.length < x.runs * ks) this.sharedGrad = new Float32Array(x.runs * ks);
    if (this.inputGrad.length < n * kr) this.inputGrad = new Float32Array(n * kr);
    const s = this.runGrad;
    s.fill(0, 0, x.runs * m);
    for (let q = 0; q < x.runs; q++) {
      const so = q * m;
      for (let r = x.start[q]; r < x.start[q + 1]; r++) {
        const o = r * m;
        for (let j = 0; j < m; j++) s[so + j] += dy[o + j];
      }
    }
    const w = this.weight.data;
    const split = ks * m;
    matmulTransA(x.shared, s, this.gradWeight.subarray(0, split), x.runs, ks, m);
    matmulTransA(x.rest, dy, this.gradWeight.subarray(split), n, kr, m);
    if (!biasGradDone) addColumnSums(dy, n, m, this.gradBias);
    matmulTransB(s, w.subarray(0, split), this.sharedGrad, x.runs, m, ks);
    matmulTransB(dy, w.subarray(split), this.inputGrad, n, m, kr);
    return { shared: this.sharedGrad, rest: this.inputGrad };
  }

  /**
   * Given dL/dY (n × outDim) for the last forward batch: sets gradWeight = Xᵀ·dY,
   * gradBias = Σ dY (unless `biasGradDone`: the caller already summed it, fused into another
   * pass), and (unless `needInputGrad` is false) returns dL/dX = dY·Wᵀ.
   */
  backwardBatch(dy: Float32Array, n: number, needInputGrad = true, biasGradDone = false): Float32Array | null {
    if (this.input === null) throw new Error('Dense.backwardBatch called before forwardBatch (or after forwardRuns)');
    matmulTransA(this.input, dy, this.gradWeight, n, this.inDim, this.outDim);
    if (!biasGradDone) addColumnSums(dy, n, this.outDim, this.gradBias);
    if (!needInputGrad) return null;
    if (this.inputGrad.length < n * this.inDim) this.inputGrad = new Float32Array(n * this.inDim);
    matmulTransB(dy, this.weight.data, this.inputGrad, n, this.outDim, this.inDim);
    return this.inputGrad;
  }

  /**
   * Backward of a ReLU layer (forwardBatch with relu) given dL/dY: the ReLU's mask, the bias
   * gradient, gradWeight and (unless `needInputGrad` is false) dL/dX. In the SIMD kernel's memory
   * in one call where it can (dY is then left unmasked); else masks dY in place and runs
   * `backwardBatch`.
   */
  backwardRelu(dy: Float32Array, n: number, needInputGrad = true): Float32Array | null {
    if (this.input === null) throw new Error('Dense.backwardRelu called before forwardBatch (or after forwardRuns)');
    const kernel = simdKernel();
    if (kernel?.hasLayerPasses(this.outDim)) {
      if (needInputGrad && this.inputGrad.length < n * this.inDim) this.inputGrad = new Float32Array(n * this.inDim);
      kernel.backwardRelu(this.input, this.output, dy, this.weight.data, this.gradWeight, this.gradBias, needInputGrad ? this.inputGrad : null, n, this.inDim, this.outDim);
      return needInputGrad ? this.inputGrad : null;
    }
    reluBackwardColumnSums(this.output, dy, n, this.outDim, this.gradBias);
    return this.backwardBatch(dy, n, needInputGrad, true);
  }

  /** `backwardRelu` after `forwardRuns`: dL/d(shared) per run and dL/d(rest) per row. */
  backwardReluRuns(dy: Float32Array, n: number): RunGradients {
    const x = this.runInput;
    if (x === null) throw new Error('Dense.backwardReluRuns called before forwardRuns');
    const kernel = simdKernel();
    if (!kernel?.hasLayerPasses(this.outDim)) {
      reluBackwardColumnSums(this.output, dy, n, this.outDim, this.gradBias);
      return this.backwardRuns(dy, n, true);
    }
    const ks = x.sharedDim;
    const kr = this.inDim - ks;
    if (this.sharedGrad.length < x.runs * ks) this.sharedGrad = new Float32Array(x.runs * ks);
    if (this.inputGrad.length < n * kr) this.inputGrad = new Float32Array(n * kr);
    kernel.backwardReluRuns(
      x.shared,
      x.rest,
      x.start,
      x.runs,
      this.output,
      dy,
      this.weight.data,
      this.gradWeight,
      this.gradBias,
      this.sharedGrad,
      this.inputGrad,
      n,
      ks,
      kr,
      this.outDim,
    );
    return { shared: this.sharedGrad, rest: this.inputGrad };
  }

  /** One optimizer step with the last gradients; L2 on the weights only (not the bias). */
  updateAll(l2 = 0, scale = 1): void {
    this.weight.updateAll(this.gradWeight, l2, scale);
    this.bias.updateAll(this.gradBias, 0, scale);
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }
}
