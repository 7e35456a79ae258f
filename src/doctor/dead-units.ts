/**
 * Dead ReLU units: hidden units of a deep model's MLP that output 0 for every pair of a batch,
 * so they pass no gradient and never come back (a learning rate too high, or a large negative
 * bias). Read from the layers' output buffers after one inference pass; nothing is changed.
 */
import { Mlp } from '../core/mlp.ts';
import type { Recommender } from '../models/recommender.ts';

/** Pairs scored in one pass: the deep scorer's chunk, so every layer's buffer holds all of them. */
const PAIRS = 2048;

export interface DeadUnits {
  /** Share of hidden units dead, over all hidden layers. */
  share: number;
  perLayer: number[];
  units: number;
  pairs: number;
}

/** The MLP a deep model's tower runs (DeepFM, NCF, match, neural-rating; NeuMF's MLP branch), or null. */
function mlpOf(model: Recommender): Mlp | null {
  // The tower is the deep model's own; the doctor only reads its layers' buffers.
  const tower = (model as unknown as { tower?: { mlp?: unknown } | null }).tower;
  const mlp = tower?.mlp;
  if (mlp instanceof Mlp) return mlp;
  const inner = (mlp as { mlp?: unknown } | undefined)?.mlp;
  return inner instanceof Mlp ? inner : null;
}

export function deadReluUnits(model: Recommender, users: Int32Array, items: Int32Array): DeadUnits | null {
  if ((model.config as Record<string, unknown>).activation !== 'relu') return null;
  const mlp = mlpOf(model);
  if (!mlp || mlp.hidden.length === 0) return null;
  const n = Math.min(PAIRS, users.length);
  model.score(users.subarray(0, n), items.subarray(0, n));
  const perLayer: number[] = [];
  let dead = 0;
  let units = 0;
  for (const layer of mlp.hidden) {
    const width = layer.outDim;
    if (layer.output.length < n * width) return null;
    let layerDead = 0;
    for (let j = 0; j < width; j++) {
      let alive = false;
      for (let r = 0; r < n && !alive; r++) alive = layer.output[r * width + j] > 0;
      if (!alive) layerDead++;
    }
    perLayer.push(layerDead / width);
    dead += layerDead;
    units += width;
  }
  return { share: dead / Math.max(1, units), perLayer, units, pairs: n };
}
