// Interim: importing ./index.ts fills the registry in recommender.ts (replaced by model specs).
import './index.ts';
export { createModel, listModels } from './recommender.ts';
