/**
 * Inverted dropout (Srivastava et al. 2014): in training each unit is kept with probability
 * 1 − rate and scaled by 1/(1 − rate), so at inference the layer is the identity and nothing
 * needs rescaling. The mask (0 or the scale, per unit) is kept for the backward pass.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Rng } from './rng.ts';

export class Dropout {
  readonly rate: number;
  /** Per-unit multiplier of the last training forward pass (0 or 1/(1 − rate)). */
  mask: Float32Array = new Float32Array(0);

  constructor(rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new ConfigError(`dropout rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  /** Draws a fresh mask for n units and applies it to x in place (training only). */
  forwardTraining(x: Float32Array, n: number, rng: Rng): void {
    if (this.rate === 0) return;
    if (this.mask.length < n) this.mask = new Float32Array(n);
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = this.mask;
    for (let i = 0; i < n; i++) mask[i] = rng.next() < keep ? scale : 0;
    this.applyMask(x, n);
  }

  /** Multiplies x by the current mask (also the backward pass: d/dx of x·mask is the mask). */
  applyMask(x: Float32Array, n: number): void {
    if (this.rate === 0) return;
    const mask = this.mask;
    for (let i = 0; i < n; i++) x[i] *= mask[i];
  }

  /** Gradient through the last training forward pass, in place. */
  backward(dy: Float32Array, n: number): void {
    this.applyMask(dy, n);
  }
}
