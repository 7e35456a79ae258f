/**
 * A multilayer perceptron: hidden Dense layers each followed by an activation and dropout, then
 * an optional linear output layer. Batched forward/backward over row-major buffers; the
 * post-activation outputs are kept (activation derivatives are taken from them) and dropout
 * writes to a separate buffer, so backward sees the undropped activations.
 */
import { activate, activateBackward, type Activation } from './activations.ts';
import { Dense, type RunGradients, type RunRows } from './dense.ts';
import { Dropout } from './dropout.ts';
import type { OptimizerConfig, Param } from './params.ts';
import type { Rng } from './rng.ts';
import { ConfigError } from '../contracts/errors.ts';

export interface MlpOptions {
  inputDim: number;
  /** Hidden layer sizes, e.g. [64, 32]; may be empty. */
  layers: number[];
  /** Size of a final linear layer (e.g. 1 for a score); 0 = none, the last hidden layer is the output. */
  outputDim?: number;
  /** Hidden activation (default relu). */
  activation?: Activation;
  /** Dropout rate after each hidden layer (default 0). */
  dropout?: number;
  optimizer: OptimizerConfig;
  name?: string;
  /** Allocate the weights and optimizer state in shared memory (for Hogwild worker threads). */
  shared?: boolean;
}

export class Mlp {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly hidden: Dense[] = [];
  readonly output: Dense | null;
  readonly activation: Activation;
  private readonly drops: Dropout[] = [];
  /** Dropped-out copies of hidden outputs (the next layer's input) while training. */
  private dropped: Float32Array[] = [];
  private training = false;

  constructor(rng: Rng, options: MlpOptions) {
    const name = options.name ?? 'mlp';
    this.inputDim = options.inputDim;
    this.activation = options.activation ?? 'relu';
    for (const size of options.layers) {
      if (!(Number.isInteger(size) && size > 0)) throw new ConfigError(`${name}: layer sizes must be positive whole numbers, got [${options.layers}]`);
    }
    let dim = options.inputDim;
    const init = this.activation === 'relu' ? ({ kind: 'he' } as const) : ({ kind: 'glorot' } as const);
    options.layers.forEach((size, l) => {
      this.hidden.push(new Dense(dim, size, rng, { optimizer: options.optimizer, init, name: `${name}.${l}`, shared: options.shared }));
      this.drops.push(new Dropout(options.dropout ?? 0));
      this.dropped.push(new Float32Array(0));
      dim = size;
    });
    const out = options.outputDim ?? 0;
    this.output = out > 0 ? new Dense(dim, out, rng, { optimizer: options.optimizer, init: { kind: 'glorot' }, name: `${name}.out`, shared: options.shared }) : null;
    this.outputDim = out > 0 ? out : dim;
  }

  /** Input size of the first layer that multiplies (the first hidden layer, else the output layer). */
  get first(): Dense | null {
    return this.hidden[0] ?? this.output;
  }

  /**
   * Forward n rows of x (n × inputDim). With `rng` it is a training pass (dropout on, inputs kept
   * for backward); without, inference. Returns the output buffer (n × outputDim).
   */
  forwardBatch(x: Float32Array, n: number, rng: Rng | null = null): Float32Array {
    this.training = rng !== null;
    let h = x;
    for (let l = 0; l < this.hidden.length; l++) h = this.hiddenStep(l, this.denseStep(l, h, n), n, rng);
    return this.output ? this.output.forwardBatch(h, n) : h;
  }

  /**
   * A training forward pass over rows given as `RunRows` (the first layer multiplies their shared
   * columns once per run, Dense.forwardRuns); backward with `backwardRuns`. Needs a hidden layer.
   */
  forwardRuns(x: RunRows, n: number, rng: Rng): Float32Array {
    if (this.hidden.length === 0) throw new Error('forwardRuns needs a hidden layer');
    this.training = true;
    let h = this.hiddenStep(0, this.hidden[0].forwardRuns(x, n, this.activation === 'relu'), n, rng);
    for (let l = 1; l < this.hidden.length; l++) h = this.hiddenStep(l, this.denseStep(l, h, n), n, rng);
    return this.output ? this.output.forwardBatch(h, n) : h;
  }

  /** Hidden layer l's product, with a ReLU fused into it (then hiddenStep skips the activation). */
  private denseStep(l: number, h: Float32Array, n: number): Float32Array {
    return this.hidden[l].forwardBatch(h, n, this.activation === 'relu');
  }

  /**
   * Inference from the first hidden layer's pre-activation z = x·W₁ + b₁ (n × layers[0]),
   * which callers can build more cheaply from precomputed user and item parts. `z` is
   * overwritten. Needs at least one hidden layer.
   */
  forwardFromFirst(z: Float32Array, n: number, activated = false): Float32Array {
    if (this.hidden.length === 0) throw new Error('forwardFromFirst needs a hidden layer');
    this.training = false;
    if (!activated) activate(this.activation, z, this.hidden[0].outDim * n);
    let h = z;
    for (let l = 1; l < this.hidden.length; l++) h = this.hiddenStep(l, this.denseStep(l, h, n), n, null);
    return this.output ? this.output.forwardBatch(h, n) : h;
  }

  /**
   * Inference from hidden layer l's activated output h (n × hidden[l].outDim): the layers after
   * it, for callers that computed the first layers themselves (full-catalogue scoring).
   */
  forwardAfter(l: number, h: Float32Array, n: number): Float32Array {
    this.training = false;
    for (let j = l + 1; j < this.hidden.length; j++) h = this.hiddenStep(j, this.denseStep(j, h, n), n, null);
    return this.output ? this.output.forwardBatch(h, n) : h;
  }

  /** After hidden layer l's product: its activation (unless fused into the product: ReLU) and dropout. */
  private hiddenStep(l: number, z: Float32Array, n: number, rng: Rng | null): Float32Array {
    const size = this.hidden[l].outDim * n;
    if (this.activation !== 'relu') activate(this.activation, z, size);
    const drop = this.drops[l];
    if (rng === null || drop.rate === 0) return z;
    if (this.dropped[l].length < size) this.dropped[l] = new Float32Array(size);
    const d = this.dropped[l];
    d.set(z.subarray(0, size));
    drop.forwardTraining(d, size, rng);
    return d;
  }

  /**
   * Backward through the last training forward pass given dL/d(output) (n × outputDim, modified
   * in place). Sets every layer's gradients and returns dL/dx (n × inputDim).
   */
  backwardBatch(dy: Float32Array, n: number, needInputGrad = true): Float32Array | null {
    if (this.hidden.length === 0) return this.output ? this.output.backwardBatch(dy, n, needInputGrad) : dy;
    return this.hiddenBackward(0, this.backwardToFirst(dy, n), n, needInputGrad);
  }

  /** `backwardBatch` after `forwardRuns`: dL/dx per run for the shared columns, per row for the rest. */
  backwardRuns(dy: Float32Array, n: number): RunGradients {
    const g = this.backwardToFirst(dy, n);
    const first = this.hidden[0];
    if (this.training) this.drops[0].backward(g, first.outDim * n);
    if (this.activation === 'relu') return first.backwardReluRuns(g, n);
    activateBackward(this.activation, first.output, g, g, first.outDim * n);
    return first.backwardRuns(g, n);
  }

  /** Through the output layer and the hidden layers after the first: dL/d(first hidden layer's output). */
  private backwardToFirst(dy: Float32Array, n: number): Float32Array {
    let g = dy;
    if (this.output) g = this.output.backwardBatch(g, n, true)!;
    for (let l = this.hidden.length - 1; l >= 1; l--) g = this.hiddenBackward(l, g, n, true)!;
    return g;
  }

  /** Hidden layer l's backward from dL/d(its dropped-out output) g: dropout, activation, product. */
  private hiddenBackward(l: number, g: Float32Array, n: number, needInputGrad: boolean): Float32Array | null {
    const layer = this.hidden[l];
    const size = layer.outDim * n;
    if (this.training) this.drops[l].backward(g, size);
    // ReLU: mask, bias gradient and products in one call (in the SIMD kernel's memory where it can).
    if (this.activation === 'relu') return layer.backwardRelu(g, n, needInputGrad);
    activateBackward(this.activation, layer.output, g, g, size);
    return layer.backwardBatch(g, n, needInputGrad);
  }

  /** One optimizer step on every layer (L2 on weights). */
  updateAll(l2 = 0, scale = 1): void {
    // Once per batch: no array of layers allocated for it.
    for (let l = 0; l < this.hidden.length; l++) this.hidden[l].updateAll(l2, scale);
    this.output?.updateAll(l2, scale);
  }

  layers(): Dense[] {
    return this.output ? [...this.hidden, this.output] : this.hidden.slice();
  }

  params(): Param[] {
    return this.layers().flatMap((d) => d.params());
  }
}
