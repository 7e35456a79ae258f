/**
 * Live health checks inside every fit: cheap looks at what the fit loop already has (the epoch's
 * loss, validation, the model's state) that catch the classic silent failures early — a loss far
 * above its value at initialisation, embeddings shrinking to zero under too much L2 (the
 * "DeepFM at AUC 0.5 for 500 epochs" case) or blowing up, validation AUC at chance. Each warns
 * once per fit; `tastebud doctor train` measures the same things properly and proposes fixes.
 */
import type { ModelState } from '../contracts/types.ts';
import type { EpochRecord } from '../contracts/types.ts';
import type { Trainable } from './types.ts';

/** Mean row norm below this share of its value at initialisation: the embeddings collapsed. */
export const COLLAPSE_RATIO = 0.1;
/** Mean row norm above this multiple of its value at initialisation: they blew up. */
export const BLOWUP_RATIO = 100;
/** A first-epoch mean loss above this multiple of its expected value at initialisation is suspicious. */
const INIT_LOSS_RATIO = 2;
/** Embedding tables whose state is larger than this are not inspected every epoch (copying them would cost). */
const MAX_INSPECTED_FLOATS = 20_000_000;

/** Tensors that hold embedding rows: deep towers' `embeddings`, hybrid `<side>.id` / `<side>.features`, never biases. */
export function isEmbeddingTensor(name: string, shape: number[]): boolean {
  if (shape.length !== 2 || shape[1] < 2 || /bias|linear/.test(name)) return false;
  return name === 'embeddings' || name.endsWith('.id') || name.endsWith('.features');
}

/** The mean L2 norm of every row of every embedding tensor in a state (null: the model has none). */
export function meanEmbeddingNorm(state: ModelState): number | null {
  let total = 0;
  let rows = 0;
  for (const [name, t] of Object.entries(state.tensors)) {
    if (!isEmbeddingTensor(name, t.shape)) continue;
    const [r, c] = t.shape;
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += t.data[i * c + j] ** 2;
      total += Math.sqrt(s);
    }
    rows += r;
  }
  return rows > 0 ? total / rows : null;
}

/**
 * The loss a deep model's objective takes at initialisation, when scores start near 0: ln 2 for
 * BCE on logits and for BPR; the margin for a hinge; null when it depends on the data (MSE) or
 * the model's reported loss is not a per-row mean.
 */
export function expectedInitialLoss(model: Trainable): { value: number; why: string } | null {
  const c = model.config;
  // Only the deep trainers report the epoch's mean per-row loss; the bilinear kernels report their own sums.
  if (!Array.isArray(c.layers)) return null;
  const loss = typeof c.loss === 'string' ? c.loss : null;
  if (loss === 'bce') return { value: Math.LN2, why: 'BCE of logits near 0 is ln 2' };
  if (loss === 'bpr') return { value: Math.LN2, why: 'BPR −log σ(s⁺ − s⁻) at s⁺ ≈ s⁻ is ln 2' };
  if (loss === 'margin' && typeof c.margin === 'number') return { value: c.margin, why: `a hinge at s⁺ ≈ s⁻ is the margin ${c.margin}` };
  return null;
}

function embeddingFloats(model: Trainable): number {
  let n = 0;
  for (const [name, t] of Object.entries(model.getState().tensors)) if (isEmbeddingTensor(name, t.shape)) n += t.data.length;
  return n;
}

export class FitHealth {
  private initialNorm: number | null = null;
  private readonly warned = new Set<string>();
  private readonly inspect: boolean;

  constructor(
    private readonly model: Trainable,
    private readonly warn: (message: string) => void,
  ) {
    // Only embedding models have rows to watch; the config says so without copying any state.
    this.inspect = typeof model.config.factors === 'number';
  }

  /** After prepare: remember the embeddings' size at initialisation. */
  start(): void {
    if (!this.inspect) return;
    const floats = embeddingFloats(this.model);
    if (floats === 0 || floats > MAX_INSPECTED_FLOATS) return;
    this.initialNorm = meanEmbeddingNorm(this.model.getState());
  }

  afterEpoch(record: EpochRecord, metric: string | null): void {
    if (record.epoch === 1) this.checkFirstLoss(record.loss);
    if (this.initialNorm !== null && this.initialNorm > 0) this.checkNorms(record.epoch);
    if (metric === 'auc' && record.validation !== undefined && record.validation <= 0.5 && record.epoch >= 2) {
      this.once(
        'chance',
        `validation AUC is ${record.validation.toFixed(4)} at epoch ${record.epoch}: the model ranks no better than chance (check labels, negatives and learning rate; tastebud doctor train finds the cause)`,
      );
    }
  }

  private checkFirstLoss(loss: number): void {
    const expected = expectedInitialLoss(this.model);
    if (!expected || !(loss > INIT_LOSS_RATIO * expected.value)) return;
    this.once(
      'init-loss',
      `the loss of epoch 1 is ${loss.toFixed(4)}, over ${INIT_LOSS_RATIO}× its value at initialisation (${expected.value.toFixed(4)}: ${expected.why}): scores start saturated or the learning rate is too high (lower initStd or learningRate)`,
    );
  }

  private checkNorms(epoch: number): void {
    const norm = meanEmbeddingNorm(this.model.getState());
    if (norm === null || this.initialNorm === null) return;
    const ratio = norm / this.initialNorm;
    if (ratio < COLLAPSE_RATIO) {
      this.once(
        'collapse',
        `the embeddings collapsed towards zero: mean row norm ${norm.toExponential(2)} at epoch ${epoch}, ${(100 * ratio).toFixed(1)}% of its ${this.initialNorm.toExponential(2)} at initialisation; the L2 penalty dominates the loss (lower l2)`,
      );
    } else if (!Number.isFinite(ratio) || ratio > BLOWUP_RATIO) {
      this.once(
        'blowup',
        `the embeddings blew up: mean row norm ${norm.toExponential(2)} at epoch ${epoch}, ${ratio.toFixed(0)}× its value at initialisation (lower learningRate or add l2)`,
      );
    }
  }

  private once(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }
}
