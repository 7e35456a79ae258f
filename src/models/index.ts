// Importing this module registers every model and baseline with the registry in recommender.ts.
import './deep/ncf.ts';
import './deep/match.ts';
import './deep/deepfm.ts';
import './deep/neural-rating.ts';
