import type { TrainEngine } from './engine.ts';
import { Rng } from './rng.ts';
import type { ModelSpec } from './spec.ts';
import { cloneWeights, type Weights } from './weights.ts';

/** An engine that can train here, not yet created. */
export interface EngineOption {
  /** 'kernel', 'webgpu', or the tfjs backend in use ('tensorflow', 'wasm', 'cpu'). */
  id: string;
  label: string;
  create(spec: ModelSpec, weights: Weights): Promise<TrainEngine> | TrainEngine;
}

export interface EngineTiming {
  id: string;
  label: string;
  /** Training speed measured here, or null when the engine failed (see `error`). */
  charsPerSec: number | null;
  steps: number;
  error?: string;
}

/** Which engine trains a model of this size here, and the measurements that decided it. */
export interface EngineChoice {
  id: string;
  timings: EngineTiming[];
  batch: number;
  seqLen: number;
}

/**
 * Times a few training steps of each engine on this model size and batch shape, and picks the
 * fastest: no engine outranks another by a fixed order (a native TensorFlow is not faster than
 * Nib's kernel for every size, nor a GPU for a small model). The steps run on a throwaway copy of
 * the weights and random tokens; one step first, untimed (compilation, allocation), then steps
 * until at least three and `budgetSec` have passed, or twice the budget, whichever comes first.
 */
export async function timeEngines(
  options: EngineOption[],
  spec: ModelSpec,
  weights: Weights,
  batch: number,
  seqLen: number,
  budgetSec = 1,
): Promise<EngineChoice> {
  const timings: EngineTiming[] = [];
  const rng = new Rng(1);
  const V = spec.vocab.length;
  const x = Int32Array.from({ length: batch * seqLen }, () => rng.int(V));
  const y = Int32Array.from({ length: batch * seqLen }, () => rng.int(V));
  const step = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
  for (const o of options) {
    let engine: TrainEngine | null = null;
    try {
      engine = await o.create(spec, cloneWeights(weights));
      await engine.trainStep(x, y, batch, seqLen, step);
      let steps = 0;
      const t0 = performance.now();
      let sec = 0;
      while ((steps < 3 || sec < budgetSec) && sec < 2 * budgetSec) {
        const loss = await engine.trainStep(x, y, batch, seqLen, step);
        if (!Number.isFinite(loss)) throw new Error(`its loss is ${loss}`);
        steps++;
        sec = (performance.now() - t0) / 1000;
      }
      timings.push({ id: o.id, label: o.label, steps, charsPerSec: (steps * batch * seqLen) / sec });
    } catch (e) {
      timings.push({ id: o.id, label: o.label, steps: 0, charsPerSec: null, error: (e as Error).message });
    } finally {
      engine?.dispose();
    }
  }
  const working = timings.filter((t) => t.charsPerSec !== null);
  if (!working.length)
    throw new Error(`no engine could train: ${timings.map((t) => `${t.label}: ${t.error}`).join('; ')}`);
  const best = working.reduce((a, b) => (b.charsPerSec! > a.charsPerSec! ? b : a));
  return { id: best.id, timings, batch, seqLen };
}

/** "nib-kernel 24,100 chars/s (chosen), tfjs wasm 3,900 chars/s, webgpu: no adapter" */
export function describeChoice(c: EngineChoice): string {
  return c.timings
    .map((t) =>
      t.charsPerSec === null
        ? `${t.label}: ${t.error}`
        : `${t.label} ${Math.round(t.charsPerSec).toLocaleString('en-US')} chars/s${t.id === c.id ? ' (chosen)' : ''}`,
    )
    .join(', ');
}
