import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BilinearModel } from '../../../src/models/bilinear/model.ts';
import { BilinearKernel } from '../../../src/models/bilinear/kernel.ts';
import { tableParams } from '../../../src/models/bilinear/tables.ts';
import { warpWeight } from '../../../src/core/losses.ts';
import { Rng } from '../../../src/core/rng.ts';
import { IdMap } from '../../../src/data/idmap.ts';
import { Interactions } from '../../../src/data/interactions.ts';
import type { NegativeSampler } from '../../../src/sampling/negatives.ts';

// The fused WARP step scores its first draw alone and later draws two at a time, and reuses the
// positive's pass for the row-wise update. Whatever the draw pattern, one step must equal plain
// WARP (Weston et al. 2011, as LightFM): the first draw in the sequence that violates the margin
// and is not a positive, weighted by the rank its position estimates, then one simultaneous
// row-wise Adagrad step. An odd factor count exercises the loops' tails.
const FACTORS = 5;
const ITEMS = 12;
const MARGIN = 0.5;
const LR = 0.05;
const EPS = 1e-7; // the model's Adagrad epsilon
const ACC0 = 1; // initial row-wise accumulator
const MAX_SAMPLED = 10;

const userIds = new IdMap(['a', 'b']);
const itemIds = new IdMap(Array.from({ length: ITEMS }, (_, k) => `i${k}`));
const train = new Interactions({ users: Int32Array.from([0, 1]), items: Int32Array.from([0, 1]), userIds, itemIds });

async function setup() {
  const model = new BilinearModel('warp', { factors: FACTORS, margin: MARGIN, learningRate: LR, initialAccumulator: ACC0, maxSampled: MAX_SAMPLED });
  await model.fit(train, { epochs: 0, threads: 1 });
  const t = model.tables!;
  const rng = new Rng(9);
  for (const p of tableParams(t)) for (let k = 0; k < p.data.length; k++) p.data[k] = rng.uniform(-0.6, 0.6);
  const state = [t.user.id!.data, t.item.id!.data, t.user.idAcc!, t.item.idAcc!, t.itemBias!.table.id!.data, t.itemBias!.table.idAcc!, t.userBias!.table.id!.data];
  return { model, t, state, initial: state.map((a) => Float64Array.from(a)) };
}

/** A sampler that hands out a fixed sequence of draws; `excluded` are the user's positives. */
function scripted(draws: number[], excluded: Set<number>): { sampler: NegativeSampler; used: () => number } {
  let n = 0;
  const s = {
    drawUnchecked: () => {
      if (n >= draws.length) throw new Error('drew past the script');
      return draws[n++];
    },
    isExcluded: (_u: number, j: number) => excluded.has(j),
    sample: () => {
      throw new Error('WARP draws with drawUnchecked');
    },
  };
  return { sampler: s as unknown as NegativeSampler, used: () => n };
}

/** Plain WARP on float64 copies: returns the loss and the expected state arrays. */
function reference(initial: Float64Array[], u: number, i: number, draws: number[], excluded: Set<number>) {
  const [P, Q, accP, accQ, bias, accB] = initial.map((a) => Float64Array.from(a));
  const dim = FACTORS;
  const score = (k: number) => {
    let s = bias[k];
    for (let d = 0; d < dim; d++) s += P[u * dim + d] * Q[k * dim + d];
    return s;
  };
  const sI = score(i);
  let trials = 0;
  let j = -1;
  for (const c of draws.slice(0, MAX_SAMPLED)) {
    trials++;
    if (score(c) > sI - MARGIN && c !== i && !excluded.has(c)) {
      j = c;
      break;
    }
  }
  if (j < 0) return { loss: 0, state: [P, Q, accP, accQ, bias, accB], trials: 0 };
  const w = Math.min(warpWeight(ITEMS, trials), 10);
  const loss = w * (MARGIN - sI + score(j));
  const [gI, gJ] = [-w, w];
  const p = P.slice(u * dim, u * dim + dim);
  const qi = Q.slice(i * dim, i * dim + dim);
  const qj = Q.slice(j * dim, j * dim + dim);
  let gg = 0;
  let pp = 0;
  for (let d = 0; d < dim; d++) {
    gg += (gI * qi[d] + gJ * qj[d]) ** 2;
    pp += p[d] ** 2;
  }
  accP[u] += gg / dim;
  accQ[i] += (gI * gI * pp) / dim;
  accQ[j] += (gJ * gJ * pp) / dim;
  const [sP, sQi, sQj] = [accP[u], accQ[i], accQ[j]].map((a) => LR / (Math.sqrt(a) + EPS));
  for (let d = 0; d < dim; d++) {
    P[u * dim + d] = p[d] - sP * (gI * qi[d] + gJ * qj[d]);
    Q[i * dim + d] = qi[d] - sQi * gI * p[d];
    Q[j * dim + d] = qj[d] - sQj * gJ * p[d];
  }
  for (const [k, g] of [
    [i, gI],
    [j, gJ],
  ]) {
    accB[k] += g * g;
    bias[k] -= (LR * g) / (Math.sqrt(accB[k]) + EPS);
  }
  return { loss, state: [P, Q, accP, accQ, bias, accB], trials };
}

test('fused WARP step equals plain WARP for every position of the violating draw', async () => {
  const { model, t, state, initial } = await setup();
  const u = 0;
  const dim = FACTORS;
  const P = initial[0];
  const Q = initial[1];
  const B = initial[4];
  const score = (k: number) => {
    let s = B[k];
    for (let d = 0; d < dim; d++) s += P[u * dim + d] * Q[k * dim + d];
    return s;
  };
  const byScore = Array.from({ length: ITEMS }, (_, k) => k).sort((a, b) => score(b) - score(a));
  const i = byScore[2]; // a positive with items above and below it
  const violating = byScore.filter((k) => k !== i && score(k) > score(i) - MARGIN);
  const safe = byScore.filter((k) => score(k) <= score(i) - MARGIN);
  assert.ok(violating.length >= 3 && safe.length >= 3, `the fixture needs both kinds of items (${violating.length} violate, ${safe.length} do not)`);
  const [v1, v2, x] = violating;
  const [n1, n2, n3] = safe;
  const excluded = new Set([x, i]);
  const nines = Array.from({ length: 9 }, (_, k) => safe[k % safe.length]);
  const cases: { name: string; draws: number[]; trials: number }[] = [
    { name: 'first draw violates', draws: [v1, n1, n2], trials: 1 },
    { name: 'first of a pair', draws: [n1, v1, v2], trials: 2 },
    { name: 'second of a pair', draws: [n1, n2, v2, v1], trials: 3 },
    { name: 'a positive and the item itself are skipped', draws: [n1, x, i, n3, v1, n2, n1], trials: 5 },
    { name: 'inside a later block', draws: [n1, n2, n3, n1, n2, n3, v2], trials: 7 },
    { name: 'the last allowed draw', draws: [...nines, v2], trials: 10 },
    { name: 'no violation within maxSampled', draws: [...nines, n1, v1], trials: 0 },
  ];
  for (const c of cases) {
    state.forEach((a, k) => a.set(initial[k]));
    // Blocks draw ahead of the violation: pad the script with items that never violate.
    const draws = [...c.draws, ...Array.from({ length: MAX_SAMPLED }, (_, k) => safe[k % safe.length])];
    const { sampler, used } = scripted(draws, excluded);
    const kernel = new BilinearKernel(model.trainingKernel!.spec, t, sampler, EPS);
    const loss = kernel.run(Int32Array.of(u), Int32Array.of(i), Int32Array.of(0), 0, 1);
    const ref = reference(initial, u, i, c.draws, excluded);
    assert.equal(ref.trials, c.trials, `${c.name}: the fixture's expected trial count`);
    assert.ok(used() <= MAX_SAMPLED, `${c.name}: at most maxSampled draws (${used()})`);
    assert.ok(Math.abs(loss - ref.loss) < 1e-5 * Math.max(1, Math.abs(ref.loss)), `${c.name}: loss ${loss} vs ${ref.loss}`);
    ref.state.forEach((expected, k) => {
      for (let e = 0; e < expected.length; e++) {
        const got = state[k][e];
        assert.ok(Math.abs(got - expected[e]) < 2e-6 * Math.max(1, Math.abs(expected[e])), `${c.name}: state ${k}[${e}] ${got} vs ${expected[e]}`);
      }
    });
    // The user bias gets no gradient from a pairwise loss.
    assert.deepEqual(Array.from(state[6]), Array.from(initial[6]).map(Math.fround), `${c.name}: user bias unchanged`);
    if (c.trials === 0)
      assert.deepEqual(
        state.slice(0, 6).map((a) => Array.from(a)),
        initial.slice(0, 6).map((a) => Array.from(a, Math.fround)),
        `${c.name}: nothing moves`,
      );
  }
});
