import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToyModel, interactionsFrom } from '../helpers/toy-model.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { InteractionsBuilder } from '../../src/data/builder.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { applicableValidationMetrics, checkValidationSettings, validationScore } from '../../src/train/validation.ts';

// Three users, four items. Train and validation are built apart, with maps of equal content.
const train = interactionsFrom(
  [
    [0, 0, 5],
    [1, 1, 2],
    [2, 3, 4],
  ],
  3,
  4,
);
const ratings = interactionsFrom(
  [
    [0, 2, 5],
    [1, 2, 1],
    [2, 1, 3],
  ],
  3,
  4,
);
const ones = interactionsFrom(
  [
    [0, 2],
    [1, 2],
    [2, 1],
  ],
  3,
  4,
);
const scores = [0, 0.2, 1, 0.5];
const quiet = { log: () => {} };
const ranking = (): ToyModel => new ToyModel({ script: [scores, scores] });
const rating = (): ToyModel => new ToyModel({ script: [scores, scores], task: 'rating' });

/** Asserts a ConfigError whose message matches every pattern. */
function refused(...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ConfigError, String(e));
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

test('fit refuses rmse and mae for a ranking model instead of recording undefined every epoch', async () => {
  for (const metric of ['rmse', 'mae']) {
    await assert.rejects(
      ranking().fit(train, { ...quiet, validation: ones, validationMetric: metric, earlyStopping: { patience: 1 } }),
      refused(
        new RegExp(`validation metric "${metric}" cannot be measured for toy: ${metric} compares predicted ratings with the values, and toy is not a rating model`),
        /Metrics that apply to toy on this validation data: auc, precision@k, recall@k, map@k, ndcg@k, mrr@k, hit@k, logloss, accuracy, f1, pr_auc$/,
      ),
    );
  }
});

test('fit refuses logloss for a rating model', async () => {
  await assert.rejects(
    rating().fit(train, { ...quiet, validation: ratings, validationMetric: 'logloss', validationThreshold: 4 }),
    refused(
      /"logloss" cannot be measured for toy: logloss needs scores that are logits or probabilities, and toy predicts ratings/,
      /apply .*: .*rmse, mae, accuracy, f1, pr_auc, pointwise_auc$/,
    ),
  );
});

test('label metrics on values that are not 0/1 ask for validationThreshold, and then give a number', async () => {
  await assert.rejects(
    rating().fit(train, { ...quiet, validation: ratings, validationMetric: 'f1' }),
    refused(/"f1" cannot be measured for toy: f1 needs 0\/1 labels, .*give validationThreshold/, /rmse, mae; with a validationThreshold also accuracy, f1, pr_auc, pointwise_auc$/),
  );
  await assert.rejects(ranking().fit(train, { ...quiet, validation: ratings, validationMetric: 'logloss' }), refused(/logloss needs 0\/1 labels/));
  const history = await rating().fit(train, { ...quiet, epochs: 2, validation: ratings, validationMetric: 'f1', validationThreshold: 4 });
  for (const e of history.epochs) assert.equal(typeof e.validation, 'number');
});

test('a threshold that leaves nothing relevant (or no positive label) is refused, not NaN every epoch', async () => {
  await assert.rejects(
    ranking().fit(train, { ...quiet, validation: ratings, validationMetric: 'ndcg@2', validationThreshold: 6 }),
    refused(/"ndcg@2" cannot be measured for toy: validationThreshold 6 leaves no relevant validation interaction \(the largest validation value is 5\): lower the threshold/),
  );
  await assert.rejects(ranking().fit(train, { ...quiet, validation: ratings, validationMetric: 'pointwise_auc', validationThreshold: 6 }), refused(/needs a positive label/));
  await assert.rejects(
    ranking().fit(train, { ...quiet, validation: ones, validationMetric: 'pointwise_auc' }),
    refused(/needs a negative label too, and every validation label is positive/),
  );
});

test('fit refuses validation data indexed by its own id maps instead of scoring the wrong users', async () => {
  const b = new InteractionsBuilder();
  for (const [u, i] of [
    ['u2', 'i1'],
    ['u0', 'i2'],
    ['u1', 'i2'],
  ])
    b.add(u, i, 1, NaN);
  const own = b.build().interactions;
  await assert.rejects(
    ranking().fit(train, { ...quiet, validation: own }),
    refused(
      /the validation data's user ids are indexed differently from the model's \(index 0 is "u2" in the validation data, "u0" in the model\): build it with the training data's id maps/,
    ),
  );
});

test('checkValidationSettings refuses before any score is computed', () => {
  const model = ranking();
  model.userIds = train.userIds;
  model.itemIds = train.itemIds;
  assert.throws(() => checkValidationSettings(model, ones, 'rmse'), refused(/"rmse" cannot be measured for toy/));
  assert.throws(() => checkValidationSettings(model, ones, 'nope'), refused(/unknown validation metric/));
  assert.doesNotThrow(() => checkValidationSettings(model, ones, 'auc'));
});

test('every metric said to apply gives a number', async () => {
  const cases: [() => ToyModel, Interactions, number | undefined][] = [
    [ranking, ones, undefined],
    [ranking, ratings, 4],
    [rating, ratings, undefined],
    [rating, ratings, 4],
  ];
  for (const [make, validation, threshold] of cases) {
    const model = make();
    await model.fit(train, { ...quiet, epochs: 1 });
    const metrics = applicableValidationMetrics(model, validation, threshold);
    assert.ok(metrics.length > 0);
    for (const metric of metrics) {
      const value = validationScore(model, validation, metric.replace('@k', '@2'), threshold);
      assert.equal(typeof value, 'number', `${model.config.task} ${metric} threshold ${threshold}`);
    }
  }
  assert.deepEqual(applicableValidationMetrics(rating(), ratings), ['auc', 'precision@k', 'recall@k', 'map@k', 'ndcg@k', 'mrr@k', 'hit@k', 'rmse', 'mae']);
});
