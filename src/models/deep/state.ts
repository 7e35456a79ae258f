/** getState / setState for models that are lists of named Params. */
import type { Param } from '../../core/params.ts';
import type { Tensor } from '../../contracts/types.ts';
import { requireTensor } from '../recommender.ts';
import type { ModelState } from '../../contracts/types.ts';

export function paramTensors(params: Param[]): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const p of params) tensors[p.name] = { shape: [p.rows, p.cols], data: p.data.slice() };
  return tensors;
}

/** Copies every Param's values from a state, checking names and shapes. */
export function loadParams(state: ModelState, params: Param[]): void {
  for (const p of params) p.data.set(requireTensor(state, p.name, [p.rows, p.cols]));
}
