/** Every training hyper-parameter in one object (nanoGPT's habit). */
export interface TrainConfig {
  seqLen: number;
  batch: number;
  lr: number;
  dropout: number;
  /** Stop after this many optimisation steps in total (0 = no limit). */
  maxSteps: number;
  /** Stop after this much training time in this run, seconds (0 = no limit). */
  maxTimeSec: number;
  /** Share of each document, from its end, held out for validation. */
  valFraction: number;
  /** Evaluations without improvement before stopping early. */
  patience: number;
  /** Smallest drop in validation loss that counts as improvement (nats). */
  minDelta: number;
  /** Factor applied to the learning rate after an evaluation without improvement. */
  lrDecay: number;
  clipNorm: number;
  seed: number;
  /** Evaluate on the validation text every this many steps. */
  evalEvery: number;
  /** Upper bound on validation windows per evaluation (evenly spaced, the same every time). */
  evalWindows: number;
  /** Seconds between checkpoints. */
  checkpointEverySec: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  seqLen: 64,
  batch: 32,
  lr: 2e-3,
  dropout: 0,
  maxSteps: 0,
  maxTimeSec: 0,
  valFraction: 0.1,
  patience: 5,
  minDelta: 1e-3,
  lrDecay: 0.5,
  clipNorm: 5,
  seed: 1,
  evalEvery: 200,
  evalWindows: 256,
  checkpointEverySec: 60,
};

/**
 * Fine-tuning a pretrained model on a writer's corpus: a lower learning rate than from scratch, so
 * the base's knowledge of English is adjusted rather than overwritten, and frequent evaluations,
 * since a personal corpus is small and early stopping must catch the turn to overfitting.
 */
export const DEFAULT_FINETUNE: TrainConfig = {
  ...DEFAULT_TRAIN,
  lr: 1e-3,
  evalEvery: 100,
  patience: 4,
};
