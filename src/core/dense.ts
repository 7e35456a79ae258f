/**
 * A fully connected layer Y = X·W + b over mini-batches (row-major, batch × features). W is
 * in × out, so `Param` rows are the fan-in as the init schemes expect. The layer keeps a
 * reference to its last input and owns its output / gradient buffers (grown on demand), so a
 * training step allocates nothing. Gradients are summed over the batch; callers pass the loss's
 * 1/batch in the upstream gradient.
 */
import { Param, type InitScheme, type OptimizerConfig } from './params.ts';
import { addColumnSums, matmul, matmulBiasRelu, matmulTransA, matmulTransB } from './matmul.ts';
import type { Rng } from './rng.ts';

export interface DenseOptions {
  optimizer: OptimizerConfig;
  /** Weight init (default He normal, right for ReLU layers); biases start at 0. */
  init?: InitScheme;
  name?: string;
  shared?: boolean;
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
    return this.output;
  }

  /**
   * Given dL/dY (n × outDim) for the last forward batch: sets gradWeight = Xᵀ·dY,
   * gradBias = Σ dY (unless `biasGradDone`: the caller already summed it, fused into another
   * pass), and (unless `needInputGrad` is false) returns dL/dX = dY·Wᵀ.
   */
  backwardBatch(dy: Float32Array, n: number, needInputGrad = true, biasGradDone = false): Float32Array | null {
    if (this.input === null) throw new Error('Dense.backwardBatch called before forwardBatch');
    matmulTransA(this.input, dy, this.gradWeight, n, this.inDim, this.outDim);
    if (!biasGradDone) addColumnSums(dy, n, this.outDim, this.gradBias);
    if (!needInputGrad) return null;
    if (this.inputGrad.length < n * this.inDim) this.inputGrad = new Float32Array(n * this.inDim);
    matmulTransB(dy, this.weight.data, this.inputGrad, n, this.outDim, this.inDim);
    return this.inputGrad;
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
