import type { BackendReport } from './backend.ts';
import type { TrainEngine } from './engine.ts';
import type { ModelSpec } from './spec.ts';
import { TfjsEngine } from './tfjs-engine.ts';
import type { Weights } from './weights.ts';

/** The training engine for the backend in use. The one place a faster kernel plugs in. */
export function createEngine(spec: ModelSpec, weights: Weights, _backend: BackendReport): TrainEngine {
  return new TfjsEngine(spec, weights);
}
