import type { BackendReport } from '../ml/backend.ts';
import { describeChoice, timeEngines, type EngineOption, type EngineTiming } from '../ml/engine-choice.ts';
import type { TrainEngine } from '../ml/engine.ts';
import { createEngine } from '../ml/engines.ts';
import { NativeEngine } from '../ml/native-engine.ts';
import { loadNativeKernel } from '../ml/native-kernel.ts';
import type { ModelSpec } from '../ml/spec.ts';
import { TfjsEngine } from '../ml/tfjs-engine.ts';
import type { Weights } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { getEngineChoice, putEngineChoice } from '../store/engine-choices.ts';

/** The engines that can train in this process: Nib's kernel where it loads, and tfjs on its backend. */
function engineOptions(backend: Pick<BackendReport, 'tfBackend'>): EngineOption[] {
  const options: EngineOption[] = [];
  const { kernel } = loadNativeKernel();
  if (kernel) options.push({ id: 'kernel', label: 'nib-kernel', create: (s, w) => new NativeEngine(kernel, s, w) });
  options.push({ id: backend.tfBackend, label: `tfjs ${backend.tfBackend}`, create: (s, w) => new TfjsEngine(s, w) });
  return options;
}

/**
 * The engine a training run uses, chosen by measurement: the first run of a model size (and batch
 * shape) in a data folder times each engine that works here (ml/engine-choice.ts) and keeps the
 * fastest; later runs of that size reuse the choice. NIB_BACKEND (or the app's setting) still
 * forces one. `why` says which and on what evidence, for the run's start event.
 */
export async function engineFor(
  db: Db,
  spec: ModelSpec,
  weights: Weights,
  shape: { batch: number; seqLen: number },
  backend: BackendReport,
): Promise<{ engine: TrainEngine; why: string }> {
  if (backend.forcedBy)
    return { engine: createEngine(spec, weights, backend), why: `${backend.label}, forced by ${backend.forcedBy}` };
  const options = engineOptions(backend);
  if (options.length === 1) return { engine: await options[0].create(spec, weights), why: 'the only engine here' };
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
  return {
    engine: await chosen.create(spec, weights),
    why: `fastest for this model size here (${when}): ${describeChoice({ id: chosen.id, timings, ...shape })}`,
  };
}
