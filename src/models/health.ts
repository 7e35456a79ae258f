import { nonFiniteScores, type Recommender } from './recommender.ts';

/**
 * Why a loaded model's answers cannot be trusted, or null when nothing says so: saved untrained
 * (no epoch ran), diverged in training (a non-finite loss), or, trained by its history, scores
 * that are not finite numbers (NaN or ±∞: non-finite weights) for any of a few users (the first,
 * middle and last). One clause to follow the model's folder: `${dir} ${warning}`. What the CLI
 * (`tastebud recommend`, `similar`) and the service (`tastebud serve`, at start and in
 * /v1/status) warn with.
 */
export function modelWarning(model: Recommender): string | null {
  if (model.status === 'untrained') return 'was saved untrained (no epoch ran): its recommendations are its initial guesses';
  if (model.status === 'diverged') return 'diverged in training (a non-finite loss): its scores are not numbers; retrain with a lower learning rate or more L2';
  const users = model.numUsers;
  if (users === 0 || model.numItems === 0) return null;
  const scores = new Float32Array(model.numItems);
  for (const u of healthSampleUsers(users)) {
    try {
      model.scoreItems(u, scores);
    } catch {
      return null; // a model that cannot score a training user by index is not judged here
    }
    if (nonFiniteScores(scores) !== null) {
      return 'gives scores that are not finite numbers (NaN or ±∞: its weights hold non-finite values) though its training history ended normally: its lists rank nothing; retrain it';
    }
  }
  return null;
}

/** The users a model's health is judged on: the first, the middle and the last. */
export function healthSampleUsers(users: number): number[] {
  return users === 0 ? [] : [...new Set([0, Math.floor(users / 2), users - 1])];
}
