import type { TrainEngine } from './engine.ts';
import { Rng } from './rng.ts';
import type { TrainConfig } from './train-config.ts';
import { type TrainData, validationStarts, windows } from './train-data.ts';

/** Everything beyond weights and optimizer that a resumed run needs to continue exactly. */
export interface TrainerState {
  step: number;
  rngState: number;
  lr: number;
  bestValLoss: number | null;
  bestStep: number;
  badEvals: number;
  /** Training seconds over all runs. */
  elapsedSec: number;
  charsSeen: number;
  /** Where a time budget ends, in `elapsedSec`: a paused run resumed keeps the rest of its budget. */
  timeGoalSec?: number;
  /**
   * The corpus the run's training/validation split was made from (a digest of its documents): a
   * resume after documents were added or removed knows its held-out text changed.
   */
  corpusDigest?: string;
}

export function initialTrainerState(config: TrainConfig): TrainerState {
  return {
    step: 0,
    rngState: config.seed,
    lr: config.lr,
    bestValLoss: null,
    bestStep: 0,
    badEvals: 0,
    elapsedSec: 0,
    charsSeen: 0,
  };
}

/** The loss became infinite or NaN: the learning rate is too high for this model and data. */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged at step ${step} (loss ${loss})`);
    this.name = 'DivergedError';
  }
}

export type StopReason = 'max-steps' | 'max-time' | 'early-stop' | 'cancelled';

export interface Progress {
  step: number;
  maxSteps: number;
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  bestValLoss: number | null;
  lr: number;
  charsPerSec: number;
  elapsedSec: number;
  etaSec: number | null;
}

export interface TrainHooks {
  onProgress(p: Progress): void;
  /** After each evaluation; `improved` means these weights are the new best. */
  onEval(p: Progress & { valLoss: number; improved: boolean }): void | Promise<void>;
  /** Time to write the resumable checkpoint. */
  onCheckpoint(state: TrainerState): void | Promise<void>;
  /** Polled between steps; a reason stops the run after the current step. */
  shouldStop(): StopReason | null;
}

export async function evaluate(engine: TrainEngine, val: Int32Array, config: TrainConfig): Promise<number> {
  const starts = validationStarts(val.length, config.seqLen, config.evalWindows);
  let total = 0;
  let count = 0;
  for (let i = 0; i < starts.length; i += config.batch) {
    const chunk = starts.slice(i, i + config.batch);
    const { x, y } = windows(val, chunk, config.seqLen);
    total += (await engine.evaluate(x, y, chunk.length, config.seqLen)) * chunk.length;
    count += chunk.length;
  }
  return total / count;
}

/**
 * The training loop: random windows of the training text, Adam with clipping, validation every
 * `evalEvery` steps, learning-rate decay on a plateau and early stopping after `patience`
 * evaluations without improvement. Yields to the event loop between steps so a cancel message
 * (Ctrl+C, the app's Cancel button) is seen within one step.
 */
export async function runTraining(
  engine: TrainEngine,
  data: TrainData,
  config: TrainConfig,
  state: TrainerState,
  hooks: TrainHooks,
): Promise<{ reason: StopReason; state: TrainerState }> {
  const rng = new Rng(state.rngState);
  const { seqLen, batch } = config;
  const maxStart = data.train.length - seqLen - 1;
  const runStart = performance.now();
  const elapsedBefore = state.elapsedSec;
  // A time limit shorter than one step (--max-time 1ms) still takes one: a run that took none would
  // leave a model that learned nothing listed as ready, or the base's weights under a new name.
  const firstStep = state.step;
  let lastCheckpoint = performance.now();
  let smoothLoss: number | null = null;
  let rateWindow = { t: performance.now(), chars: 0 };
  let charsPerSec = 0;
  let lastValLoss: number | null = state.bestValLoss;
  const runSec = () => (performance.now() - runStart) / 1000;

  const progress = (): Progress => {
    const left: number[] = [];
    if (config.maxSteps > 0 && charsPerSec > 0)
      left.push(((config.maxSteps - state.step) * batch * seqLen) / charsPerSec);
    if (config.maxTimeSec > 0) left.push(Math.max(0, config.maxTimeSec - runSec()));
    return {
      step: state.step,
      maxSteps: config.maxSteps,
      epoch: state.charsSeen / data.train.length,
      trainLoss: smoothLoss ?? NaN,
      valLoss: lastValLoss,
      bestValLoss: state.bestValLoss,
      lr: state.lr,
      charsPerSec,
      elapsedSec: state.elapsedSec,
      etaSec: left.length ? Math.min(...left) : null,
    };
  };

  const doEval = async (): Promise<boolean> => {
    const valLoss = await evaluate(engine, data.val, config);
    lastValLoss = valLoss;
    const improved = state.bestValLoss === null || valLoss < state.bestValLoss - config.minDelta;
    if (improved) {
      state.bestValLoss = valLoss;
      state.bestStep = state.step;
      state.badEvals = 0;
    } else {
      state.badEvals += 1;
      state.lr *= config.lrDecay;
    }
    await hooks.onEval({ ...progress(), valLoss, improved });
    return state.badEvals >= config.patience;
  };

  let reason: StopReason | null = null;
  let evaluatedAt = -1;
  while (!reason) {
    reason = hooks.shouldStop();
    if (reason) break;
    if (config.maxSteps > 0 && state.step >= config.maxSteps) {
      reason = 'max-steps';
      break;
    }
    if (config.maxTimeSec > 0 && state.step > firstStep && runSec() >= config.maxTimeSec) {
      reason = 'max-time';
      break;
    }
    const starts = Array.from({ length: batch }, () => rng.int(maxStart + 1));
    const { x, y } = windows(data.train, starts, seqLen);
    const dropoutSeed = rng.int(2 ** 31);
    const loss = await engine.trainStep(x, y, batch, seqLen, {
      lr: state.lr,
      clipNorm: config.clipNorm,
      dropout: config.dropout,
      seed: dropoutSeed,
    });
    if (!Number.isFinite(loss)) throw new DivergedError(state.step + 1, loss);
    state.step += 1;
    state.charsSeen += batch * seqLen;
    state.rngState = rng.state;
    state.elapsedSec = elapsedBefore + runSec();
    smoothLoss = smoothLoss === null ? loss : 0.9 * smoothLoss + 0.1 * loss;
    rateWindow.chars += batch * seqLen;
    const now = performance.now();
    if (now - rateWindow.t > 1000 || charsPerSec === 0) {
      charsPerSec = (rateWindow.chars * 1000) / Math.max(1, now - rateWindow.t);
      rateWindow = { t: now, chars: 0 };
    }
    hooks.onProgress(progress());
    if (state.step % config.evalEvery === 0) {
      evaluatedAt = state.step;
      if (await doEval()) reason = 'early-stop';
    }
    if (!reason && now - lastCheckpoint >= config.checkpointEverySec * 1000) {
      await hooks.onCheckpoint({ ...state });
      lastCheckpoint = performance.now();
    }
    await new Promise<void>((r) => yieldNow(r));
  }
  // A final evaluation, so the best checkpoint reflects the last weights too.
  if (evaluatedAt !== state.step && state.step > 0 && reason !== 'cancelled') await doEval();
  state.elapsedSec = elapsedBefore + runSec();
  await hooks.onCheckpoint({ ...state });
  return { reason, state };
}

/** A turn of the event loop between steps (cancel requests, IPC): setImmediate in Node, a task elsewhere (a page, a worker). */
const yieldNow: (f: () => void) => void =
  typeof setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);
