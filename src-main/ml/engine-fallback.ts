import { EngineFailure, type OptimizerState, type TrainEngine } from './engine.ts';
import type { TrainConfig } from './train-config.ts';
import type { TrainData } from './train-data.ts';
import { runTraining, type StopReason, type TrainerState, type TrainHooks } from './train-loop.ts';
import { cloneWeights, type Weights } from './weights.ts';

interface Checkpoint {
  state: TrainerState;
  weights: Weights;
  optimizer: OptimizerState | null;
}

/**
 * The training loop with a way out: it trains on `primary` (the WebGPU engine), keeping the last
 * checkpoint it wrote in memory as well (the hooks still save it wherever they save it); if the
 * primary engine fails (EngineFailure), `fallback` makes an engine (the CPU kernel) from that
 * checkpoint's weights and Adam moments, `onFallback` hears why (and takes the new engine: the
 * caller disposes it; the primary is disposed here), and training goes on from that checkpoint's
 * step, as a resume would, for what is left of the time limit. Before the first checkpoint, from
 * the starting weights.
 */
export async function trainWithFallback(
  primary: TrainEngine,
  fallback: (weights: Weights, optimizer: OptimizerState | null) => TrainEngine | Promise<TrainEngine>,
  onFallback: (why: string, fromStep: number, engine: TrainEngine) => void,
  data: TrainData,
  config: TrainConfig,
  state: TrainerState,
  hooks: TrainHooks,
  start: { weights: Weights; optimizer: OptimizerState | null },
): Promise<{ reason: StopReason; state: TrainerState; engine: TrainEngine }> {
  let last: Checkpoint = { state: { ...state }, weights: cloneWeights(start.weights), optimizer: start.optimizer };
  const keeping = (engine: TrainEngine): TrainHooks => ({
    ...hooks,
    async onCheckpoint(s) {
      // Read back first: if the device fails here, neither this copy nor the hooks' saved one
      // moves past the previous checkpoint, so the fallback resumes where the saved run stands.
      await engine.sync?.();
      const next = { state: { ...s }, weights: engine.getWeights(), optimizer: engine.getOptimizerState() };
      await hooks.onCheckpoint(s);
      last = next;
    },
  });
  const t0 = performance.now();
  try {
    return { ...(await runTraining(primary, data, config, state, keeping(primary))), engine: primary };
  } catch (e) {
    if (!(e instanceof EngineFailure)) throw e;
    primary.dispose();
    const engine = await fallback(last.weights, last.optimizer);
    try {
      if (last.optimizer) engine.setOptimizerState(last.optimizer);
    } catch (err) {
      engine.dispose();
      throw err;
    }
    // From here the caller owns the new engine (and disposes it, as it would have the primary).
    onFallback(e.message, last.state.step, engine);
    // The time goal counts the whole run: the CPU has what the GPU left of it.
    const spent = (performance.now() - t0) / 1000;
    const rest = config.maxTimeSec > 0 ? { ...config, maxTimeSec: Math.max(1, config.maxTimeSec - spent) } : config;
    return { ...(await runTraining(engine, data, rest, { ...last.state }, hooks)), engine };
  }
}
