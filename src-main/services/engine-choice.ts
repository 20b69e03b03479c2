import type { BackendReport } from '../ml/backend.ts';
import { describeChoice, timeEngines, type EngineOption, type EngineTiming } from '../ml/engine-choice.ts';
import type { TrainEngine } from '../ml/engine.ts';
import { createEngine } from '../ml/engines.ts';
import { NativeEngine } from '../ml/native-engine.ts';
import { loadNativeKernel } from '../ml/native-kernel.ts';
import type { ModelSpec } from '../ml/spec.ts';
import { TfjsEngine } from '../ml/tfjs-engine.ts';
import { openNodeDevice, nodeWebGpu } from '../ml/webgpu/node-device.ts';
import { WebGpuEngine } from '../ml/webgpu/webgpu-engine.ts';
import type { Weights } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { getEngineChoice, putEngineChoice } from '../store/engine-choices.ts';

/** The engines that can train in this process: Nib's kernel where it loads, and tfjs on its backend. */
function cpuOptions(backend: Pick<BackendReport, 'tfBackend'>): EngineOption[] {
  const options: EngineOption[] = [];
  const { kernel } = loadNativeKernel();
  if (kernel) options.push({ id: 'kernel', label: 'nib-kernel', create: (s, w) => new NativeEngine(kernel, s, w) });
  options.push({ id: backend.tfBackend, label: `tfjs ${backend.tfBackend}`, create: (s, w) => new TfjsEngine(s, w) });
  return options;
}

/** WebGPU through Dawn for Node, each engine on a device of its own; or why it cannot train here. */
async function webgpuOption(): Promise<EngineOption | { why: string }> {
  const found = await nodeWebGpu();
  if ('why' in found) return found;
  return {
    id: 'webgpu',
    label: `webgpu (${found.adapter})`,
    async create(spec, weights) {
      const d = await openNodeDevice();
      if ('why' in d) throw new Error(d.why);
      try {
        return new WebGpuEngine(d.device, spec, weights, d.adapter, true);
      } catch (e) {
        d.device.destroy();
        throw e;
      }
    },
  };
}

/** The engine a run trains on, why, and (for a GPU engine) the CPU engine to go on with if it fails. */
export interface RunEngine {
  engine: TrainEngine;
  why: string;
  fallback: ((weights: Weights) => TrainEngine) | null;
}

/**
 * The engine a training run uses, chosen by measurement: the first run of a model size (and batch
 * shape) in a data folder times each engine that works here (ml/engine-choice.ts), WebGPU included
 * where an adapter exists, and keeps the fastest; later runs of that size reuse the choice.
 * NIB_BACKEND (or the app's setting) still forces one; forced to WebGPU where it cannot train, the
 * CPU engine trains instead and `why` says so. `why` says which and on what evidence, for the
 * run's start event.
 */
export async function engineFor(
  db: Db,
  spec: ModelSpec,
  weights: Weights,
  shape: { batch: number; seqLen: number },
  backend: BackendReport,
): Promise<RunEngine> {
  const cpu = (w: Weights) => createEngine(spec, w, backend);
  if (backend.name === 'webgpu') {
    const gpu = await webgpuOption();
    let failed = 'why' in gpu ? gpu.why : '';
    if (!('why' in gpu)) {
      try {
        return {
          engine: await gpu.create(spec, weights),
          why: `${gpu.label}, forced by ${backend.forcedBy}`,
          fallback: cpu,
        };
      } catch (e) {
        failed = (e as Error).message;
      }
    }
    const engine = cpu(weights);
    return {
      engine,
      why: `${backend.forcedBy}=webgpu, but WebGPU cannot train here: ${failed}. Training on ${engine.name} instead`,
      fallback: null,
    };
  }
  if (backend.forcedBy)
    return { engine: cpu(weights), why: `${backend.label}, forced by ${backend.forcedBy}`, fallback: null };
  const options = cpuOptions(backend);
  const gpu = await webgpuOption();
  if (!('why' in gpu)) options.push(gpu);
  const noGpu = 'why' in gpu ? `; WebGPU: ${gpu.why}` : '';
  if (options.length === 1)
    return { engine: await options[0].create(spec, weights), why: `the only engine here${noGpu}`, fallback: null };
  const key = JSON.stringify({
    embedding: spec.embedding,
    units: spec.units,
    vocab: spec.vocab.length,
    activation: spec.recurrentActivation,
    batch: shape.batch,
    seqLen: shape.seqLen,
    engines: options.map((o) => o.id),
  });
  let row = getEngineChoice(db, key);
  const measuredNow = !row;
  if (!row) {
    const c = await timeEngines(options, spec, weights, shape.batch, shape.seqLen);
    putEngineChoice(db, key, c.id, c.timings);
    row = getEngineChoice(db, key)!;
  }
  const chosen = options.find((o) => o.id === row.engine) ?? options[0];
  const timings = JSON.parse(row.timings) as EngineTiming[];
  const when = measuredNow ? 'measured now' : `measured ${row.measured_at.slice(0, 10)}`;
  const why = `fastest for this model size here (${when}): ${describeChoice({ id: chosen.id, timings, ...shape })}${noGpu}`;
  if (chosen.id !== 'webgpu') return { engine: await chosen.create(spec, weights), why, fallback: null };
  try {
    return { engine: await chosen.create(spec, weights), why, fallback: cpu };
  } catch (e) {
    const engine = cpu(weights);
    return {
      engine,
      why: `${why}; but WebGPU failed to start now (${(e as Error).message}), so ${engine.name} trains`,
      fallback: null,
    };
  }
}
