/**
 * What the autoencoders (Mult-VAE, RecVAE) cost, before they are built: peak memory for the fit
 * loop's budget check (`estimateMemory`) and the work of an epoch against one validation score
 * (`validationCost`, which `validationUsers: 'auto'` weighs). Both are dominated by the two
 * items-wide matrices: the encoder's first layer (items × hidden) and the decoder's last
 * (hidden × items), and the batch's logits (batch × items).
 */
import type { DataShape, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { bytesPerWeight, chainWeights, MB, type OptimizerName, optimizerStateFloats, WORKER_RUNTIME_BYTES } from '../cost.ts';

/**
 * With two threads, the products' helper (src/core/gemm-threads.ts): a worker's runtime. Its shared
 * scratch holds the operands the one-thread kernel's scratch would otherwise hold (inside a
 * two-thread fit every product goes there), so the scratch is not counted twice. Measured on the
 * scale curve's 20 M share (bench/scale.ts): two threads' peak RSS 43 MB above one thread's.
 */
function productHelperBytes(threads: number): number {
  return threads >= 2 ? WORKER_RUNTIME_BYTES : 0;
}

/** Items a Mult-VAE training step computes logits for per user: every item, or the sample (`sampledSoftmax` k < items). */
function trainedOutputs(items: number, k: number | null | undefined): number {
  return k != null && k < items ? k : items;
}

/**
 * Mult-VAE / Mult-DAE: `layers` encoder widths (mirrored in the decoder), `latent`, users per
 * batch. With a sampled softmax the items-wide weights are the same (item-major, no transposed
 * copy); a batch's training logits are batch × (k + its positives), while scoring still fills
 * 256 users × items.
 */
export function multVaeMemory(
  shape: DataShape,
  threads: number,
  c: {
    layers: number[];
    latent: number;
    variational: boolean;
    batchSize: number;
    optimizer: OptimizerName;
    sampledSoftmax?: number | null;
    sampledOptimizer?: OptimizerName | null;
    emaDecay?: number;
  },
): MemoryEstimate {
  const { items } = shape;
  const encOut = c.variational ? 2 * c.latent : c.latent;
  const h0 = c.layers.length > 0 ? c.layers[0] : encOut;
  const weights = (items + 1) * h0 + chainWeights([h0, ...c.layers.slice(1), encOut]) + chainWeights([c.latent, ...c.layers.slice().reverse(), items]);
  const batch = Math.min(c.batchSize, Math.max(1, shape.users));
  // The batch's logits (batch × items, the gradient written over them) and every narrower activation and its gradient.
  const widths = c.layers.reduce((a, b) => a + b, 0) * 2 + encOut + 3 * c.latent;
  const sampled = trainedOutputs(items, c.sampledSoftmax) < items;
  const perUser = sampled ? Math.min(items, c.sampledSoftmax! + 2 * Math.ceil(shape.interactions / Math.max(1, shape.users))) : items;
  const logitRows = sampled ? Math.max(batch * perUser, 256 * items) : batch * items;
  const activations = 4 * (logitRows + batch * 2 * widths);
  // The sampled output layer (items × its width, and a bias per item) steps rows from compact
  // gradients, so it holds its values and its own optimizer's state but no dense gradient.
  const outWidth = c.layers.at(0) ?? c.latent;
  const outputWeights = (outWidth + 1) * items;
  const outputBytes = sampled ? outputWeights * 4 * (1 + optimizerStateFloats(c.sampledOptimizer ?? c.optimizer)) : outputWeights * bytesPerWeight(c.optimizer);
  // With emaDecay, the averaged copy of every weight is a second network (plain SGD).
  const averaged = (c.emaDecay ?? 0) > 0;
  const trained = (weights - outputWeights) * bytesPerWeight(c.optimizer) + outputBytes + (averaged ? weights * bytesPerWeight('sgd') : 0);
  const helper = productHelperBytes(threads);
  const bytes = trained + activations + helper + 4 * shape.users;
  return {
    bytes,
    what:
      `${Math.round(trained / MB)} MB of weights (the items × ${h0} input and ${outWidth} × items output layers) with their gradients and ${c.optimizer} state` +
      (sampled ? ` (the sampled output layer: ${c.sampledOptimizer ?? c.optimizer} state, no dense gradient)` : '') +
      (averaged ? ' and the averaged copy' : '') +
      `, and ${Math.round(activations / MB)} MB of a batch's logits over every item` +
      (helper > 0 ? `, and ${Math.round(helper / MB)} MB for the products' second thread` : ''),
    advice: 'use fewer items (drop the rarest), narrower layers, or a smaller batchSize',
  };
}

/**
 * Mult-VAE: each user's row goes forward and back through both halves; a score is one
 * output-layer column. With a sampled softmax the last layer is k columns per user plus one per
 * positive (in the interactions term), not every item.
 */
export function multVaeCost(shape: DataShape, c: { layers: number[]; latent: number; variational: boolean; sampledSoftmax?: number | null }): ValidationCost {
  const encOut = c.variational ? 2 * c.latent : c.latent;
  const h0 = c.layers.length > 0 ? c.layers[0] : encOut;
  const outputs = trainedOutputs(shape.items, c.sampledSoftmax);
  const last = c.layers.length > 0 ? c.layers[0] : c.latent;
  const perUser = chainWeights([h0, ...c.layers.slice(1), encOut]) + chainWeights([c.latent, ...c.layers.slice().reverse(), outputs]);
  const perInteraction = outputs < shape.items ? h0 + last + 1 : h0;
  return { epoch: 3 * (shape.users * perUser + shape.interactions * perInteraction), perScore: last + 1 };
}

type RecVaeShapeConfig = {
  hidden: number;
  depth: number;
  latent: number;
  batchSize: number;
  optimizer: OptimizerName;
  alternating: boolean;
  encoderEpochs: number;
  decoderEpochs: number;
  /** > 0: a second copy of the network holds the weights' moving average (recvae.ts). */
  emaDecay?: number;
  /** 'swa' holds an averaged copy even with emaDecay 0. */
  weightAverage?: string;
  /** The item × item shortcut: items² more decoder weights, and each interaction adds an items-wide row. */
  skip?: boolean;
};

/** RecVAE: the encoder (items × hidden input, depth − 1 hidden × hidden layers), its frozen copy for the prior (weights and gradients, plain SGD), a linear latent × items decoder, each user's prior posterior. */
export function recVaeMemory(shape: DataShape, threads: number, c: RecVaeShapeConfig): MemoryEstimate {
  const { items } = shape;
  const H = c.hidden;
  const encoder = (items + 1) * H + (c.depth - 1) * (H + 1) * H + 2 * c.depth * H + (H + 1) * 2 * c.latent;
  const decoder = (c.latent + 1) * items + (c.skip ? items * items : 0);
  const trained = (encoder + decoder) * bytesPerWeight(c.optimizer);
  const prior = encoder * bytesPerWeight('sgd');
  // The averaged copy is a whole second network (its own prior encoder included), plain SGD.
  const averaged = (c.emaDecay ?? 0) > 0 || c.weightAverage === 'swa' ? (2 * encoder + decoder) * bytesPerWeight('sgd') : 0;
  const batch = Math.min(c.batchSize, Math.max(1, shape.users));
  // Logits over every item, and per encoder layer its pre-activation, normalised and output rows (two encoders).
  const activations = 4 * batch * (items + 2 * (3 * c.depth + 2) * H + 6 * c.latent);
  const helper = productHelperBytes(threads);
  // Each training user's posterior under the old encoder, kept for reuse (recvae-network.ts).
  const posteriors = 4 * shape.users * (2 * c.latent + 1);
  return {
    bytes: trained + prior + averaged + activations + helper + posteriors + 4 * shape.users,
    what:
      `${Math.round((trained + prior + averaged) / MB)} MB of weights with their gradients, ${c.optimizer} state, the prior's frozen encoder${averaged > 0 ? ', the averaged copy' : ''} (items × ${H} input, ${c.latent} × items decoder${c.skip ? ', items × items shortcut' : ''}), ${Math.round(activations / MB)} MB of a batch's logits and activations and ${Math.round(posteriors / MB)} MB of the users' prior posteriors` +
      (helper > 0 ? `, and ${Math.round(helper / MB)} MB for the products' second thread` : ''),
    advice: 'use fewer items (drop the rarest), a smaller hidden or latent size, or a smaller batchSize',
  };
}

/** RecVAE: every pass of an epoch (encoder passes, then decoder passes) runs each user's row forward and back; a score is one decoder column. */
export function recVaeCost(shape: DataShape, c: RecVaeShapeConfig): ValidationCost {
  const H = c.hidden;
  const passes = c.alternating ? c.encoderEpochs + c.decoderEpochs : 1;
  const perUser = (c.depth - 1) * H * H + 2 * H * c.latent + c.latent * shape.items;
  const perInteraction = H + (c.skip ? shape.items : 0);
  // A score is one decoder column, and with the shortcut one entry of S per item of the user's row.
  const perScore = c.latent + 1 + (c.skip ? shape.interactions / Math.max(1, shape.users) : 0);
  return { epoch: 3 * passes * (shape.users * perUser + shape.interactions * perInteraction), perScore };
}
