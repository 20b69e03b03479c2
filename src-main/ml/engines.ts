import type { BackendReport } from './backend.ts';
import type { TrainEngine } from './engine.ts';
import { NativeEngine } from './native-engine.ts';
import { loadNativeKernel } from './native-kernel.ts';
import type { ModelSpec } from './spec.ts';
import { TfjsEngine } from './tfjs-engine.ts';
import type { Weights } from './weights.ts';

/**
 * The CPU-side engine for the backend in use: the fused native kernel where it was chosen (the
 * default on CPU when tfjs-node is absent), tfjs ops on every other backend. With WebGPU forced,
 * the engine under it (evaluation, and training where WebGPU cannot).
 */
export function createEngine(
  spec: ModelSpec,
  weights: Weights,
  backend: Pick<BackendReport, 'name' | 'under'>,
): TrainEngine {
  const name = backend.name === 'webgpu' ? backend.under : backend.name;
  const kernel = name === 'kernel' ? loadNativeKernel().kernel : null;
  return kernel ? new NativeEngine(kernel, spec, weights) : new TfjsEngine(spec, weights);
}
