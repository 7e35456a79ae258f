// Importing this module registers every model and baseline with the registry in recommender.ts.
import './baselines/random.ts';
import './baselines/user-knn.ts';
import './baselines/item-knn.ts';
import './baselines/logistic-regression.ts';
import './baselines/ials.ts';
import './baselines/ease.ts';
import './baselines/rp3beta.ts';
import './bilinear/model.ts';
import './mf/mf.ts';
import './ensemble/blend.ts';
import './vae/multvae.ts';
