import type { ModelSpec } from '../ml/spec.ts';
import { decodeArrays, type Weights } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { loadUsableCheckpoint, type ModelRow } from '../store/models.ts';
import { NibError } from '../api/errors.ts';

/** A model's spec and the weights to use it with (its best checkpoint, else its latest). */
export function loadWeightsFor(db: Db, model: ModelRow): { spec: ModelSpec; weights: Weights; step: number } {
  const cp = loadUsableCheckpoint(db, model.id);
  if (!cp) {
    throw new NibError('data', `model "${model.name}" has no trained weights yet`, {
      cli: `train it first (nib train --resume ${model.name})`,
      app: 'resume its training in the Train view first',
    });
  }
  let weights: Weights;
  try {
    weights = decodeArrays(cp.weights).arrays;
  } catch (e) {
    // A checkpoint damaged on disk (or written by something else): the model cannot be used as is.
    throw new NibError('data', `the saved weights of model "${model.name}" are damaged (${(e as Error).message})`, {
      cli: `delete it (nib rm-model ${model.name}) or train it again from its corpus`,
      app: 'delete it in the Models view, or train it again',
    });
  }
  return { spec: JSON.parse(model.spec) as ModelSpec, weights, step: cp.step };
}
