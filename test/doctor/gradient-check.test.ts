/**
 * The doctor's gradient check of the configured model at its initial point (doctor/gradient-check.ts),
 * on small planted data: the built-in deep models and custom losses with a right gradient pass
 * (no false alarms), and a custom loss whose gradient is deliberately wrong is caught, naming the
 * tensor — in the deep match model and in the bilinear custom-loss path. diagnose() reports it,
 * and flags the case-2 loss 1 − σ(s⁺ − s⁻) on a bilinear triplet model and refuses its batch × batch form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradient, GRADIENT_TOLERANCE } from '../../src/doctor/gradient-check.ts';
import { diagnose } from '../../src/doctor/train-checks.ts';
import { carveValidation } from '../../src/doctor/sample.ts';
import { formatFindings, type Finding } from '../../src/doctor/findings.ts';
import type { CustomTripletLoss } from '../../src/models/deep/custom-loss.ts';
import { plantedSplit } from '../helpers/deep-data.ts';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const bpr: CustomTripletLoss = {
  name: 'bpr',
  terms: (pos, neg) => pos.map((p, k) => softplus(neg[k] - p)),
  gradient: (pos, neg) => ({ pos: pos.map((p, k) => -sig(neg[k] - p)), neg: pos.map((p, k) => sig(neg[k] - p)) }),
};
/** BPR's value with half its gradient on the positive: the trainer would descend something else. */
const halfWrong: CustomTripletLoss = {
  ...bpr,
  name: 'bpr, half the positive gradient',
  gradient: (pos, neg) => ({ pos: pos.map((p, k) => -0.5 * sig(neg[k] - p)), neg: pos.map((p, k) => sig(neg[k] - p)) }),
};
const saturating: CustomTripletLoss = { name: '1 − σ(s⁺ − s⁻)', terms: (pos, neg) => pos.map((p, k) => 1 - sig(p - neg[k])) };

const { train } = plantedSplit({ seed: 3 });
const { fit, validation } = carveValidation(train, 0.2, 1);
const data = { fit, validation };

const problems = (findings: Finding[]) => findings.filter((f) => f.level === 'warn' || f.level === 'error').map((f) => f.code);

for (const [type, params] of [
  ['ncf', { factors: 8, layers: [16, 8] }],
  ['neumf', { factors: 8, layers: [16, 8] }],
  ['deepfm', { factors: 8, layers: [16] }],
  ['match', { factors: 8, layers: [16, 8], loss: 'bpr' }],
  ['neural-rating', { factors: 8, layers: [16] }],
] as const) {
  test(`gradient check: the built-in ${type} passes at its initial point`, async () => {
    const r = await checkGradient({ type, params: { ...params } }, data, 42);
    assert.equal(r.finding.level, 'ok', r.finding.message);
    assert.ok(r.worst.relativeError < GRADIENT_TOLERANCE);
    // Every tensor the batch reaches is sampled: embeddings, weights and biases.
    assert.ok(r.tensors >= 4 && r.entries >= 3 * r.tensors, `${r.entries} entries of ${r.tensors} tensors`);
  });
}

test('gradient check: NCF scored by a moving average of its weights (emaDecay) is checked on its live step, not the average', async () => {
  // The average follows the first step by 0.9: read off it, every gradient came out 0.9 of itself,
  // a relative error of 0.1 at the tolerance, so a healthy model was called buggy on some draws.
  const r = await checkGradient({ type: 'ncf', params: { factors: 8, layers: [16, 8], emaDecay: 0.999 } }, data, 42);
  assert.equal(r.finding.level, 'ok', r.finding.message);
  assert.ok(r.worst.relativeError < GRADIENT_TOLERANCE / 4, `worst relative error ${r.worst.relativeError}`);
});

for (const [type, params] of [
  ['match', { factors: 8, layers: [16, 8] }],
  ['bpr', { factors: 8 }],
  ['triplet', { factors: 8 }],
] as const) {
  test(`gradient check: ${type} with a custom loss passes with the right gradient and is caught with a wrong one`, async () => {
    const right = await checkGradient({ type, params: { ...params }, customLoss: bpr }, data, 42);
    assert.equal(right.finding.level, 'ok', right.finding.message);
    const wrong = await checkGradient({ type, params: { ...params }, customLoss: halfWrong }, data, 42);
    assert.equal(wrong.finding.level, 'error', wrong.finding.message);
    assert.ok(wrong.worst.relativeError > 0.2, wrong.finding.message);
    assert.match(wrong.finding.message, new RegExp(`^gradient check at the initial point: ${wrong.worst.tensor.replace('.', '\\.')}\\[\\d+\\]`));
    assert.match(wrong.finding.fix!, /fix custom loss "bpr, half the positive gradient"'s gradient/);
  });
}

test('diagnose: a bilinear triplet model with 1 − σ(s⁺ − s⁻) is flagged as saturating, its gradient checked, BPR measured', async () => {
  const r = await diagnose({ model: 'triplet', params: { factors: 16, epochs: 10 }, customLoss: saturating, train, sample: 4000, fix: true });
  const text = formatFindings('triplet', r.findings);
  const f = r.findings.find((x) => x.code === 'loss-saturates');
  assert.equal(f?.level, 'warn', text);
  assert.equal(r.findings.find((x) => x.code === 'gradient-check')?.level, 'ok', text);
  // Cosine scores live in [−1, 1], so on this easy planted data the saturation costs little: the
  // fix is measured (on ML-100K it helps, test/doctor/cases.test.ts), not asserted to help here.
  assert.match(f!.measured?.change ?? '', /→ bpr/, text);
});

test('diagnose: a bilinear model given a batch × batch loss is refused before any fit, as the match model is', async () => {
  const matrix: CustomTripletLoss = { name: 'matrix', terms: (pos, neg) => Array.from({ length: pos.length * neg.length }, (_, k) => 1 - sig(pos[k % pos.length])) };
  const r = await diagnose({ model: 'bpr', params: { factors: 8 }, customLoss: matrix, train });
  assert.deepEqual(problems(r.findings), ['loss-shape']);
  assert.match(r.findings[0].message, /batch × batch score matrix/);
  assert.equal(r.sample.interactions, 0);
});

test('diagnose: a wrong custom gradient on a bilinear model is an error of the gradient check and of the loss check', async () => {
  const r = await diagnose({ model: 'bpr', params: { factors: 8, epochs: 2 }, customLoss: halfWrong, train, sample: 2000 });
  const errors = r.findings.filter((f) => f.level === 'error').map((f) => f.code);
  assert.ok(errors.includes('gradient-check') && errors.includes('loss-gradient'), formatFindings('bpr', r.findings));
});
