import type { ModelSpec } from './spec.ts';
import type { NamedArray, Weights } from './weights.ts';

/** Adam's moments and step count, in the same order as the weights. */
export interface OptimizerState {
  t: number;
  m: NamedArray[];
  v: NamedArray[];
}

export interface StepOptions {
  lr: number;
  /** Gradients are rescaled so their global L2 norm is at most this. */
  clipNorm: number;
  dropout: number;
  /** Seed for this step's dropout masks (from the trainer's RNG, so resumed runs repeat). */
  seed: number;
}

/**
 * The training computation for a char-LSTM: forward, backpropagation through time, Adam.
 * Batches are row-major token ids, x[b*T + t] predicting y[b*T + t]. The training loop only
 * talks to this interface, so a faster kernel (a fused native or WebAssembly LSTM) can replace the
 * tfjs implementation without touching data handling, checkpoints or the CLI.
 */
export interface TrainEngine {
  readonly name: string;
  /** One Adam step; resolves to the batch's mean cross-entropy (nats per char) before the update. */
  trainStep(x: Int32Array, y: Int32Array, batch: number, seqLen: number, opts: StepOptions): Promise<number>;
  /** Mean cross-entropy of a batch, without dropout and without learning. */
  evaluate(x: Int32Array, y: Int32Array, batch: number, seqLen: number): Promise<number>;
  /** Logits for every position of a batch, [batch*seqLen, vocab] row-major. */
  logits(x: Int32Array, batch: number, seqLen: number): Promise<Float32Array>;
  /**
   * Engines whose weights live elsewhere (the WebGPU engine's, on the GPU) read them back here;
   * getWeights and getOptimizerState then return them until the next step. Callers await it
   * before either getter (the CPU engines have nothing to do and leave it out).
   */
  sync?(): Promise<void>;
  getWeights(): Weights;
  setWeights(w: Weights): void;
  getOptimizerState(): OptimizerState;
  setOptimizerState(s: OptimizerState): void;
  dispose(): void;
}

export type EngineFactory = (spec: ModelSpec, weights: Weights) => TrainEngine;

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/**
 * An engine's device failed under it (a GPU lost, out of memory, an invalid command): the run can
 * go on elsewhere. Any other error (a bug, a diverged loss) is not this.
 */
export class EngineFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineFailure';
  }
}
