import type { PresetName } from '../ml/spec.ts';
import type { TrainConfig } from '../ml/train-config.ts';
import type { Progress } from '../ml/train-loop.ts';
import type { SourceChoice } from '../ml/source-choice.ts';

/** Requests and results shared by the CLI, the ML host and (later) the IPC and WebSocket transports. */

export interface TrainParams {
  model: string;
  /** Corpus to train a new model on (ignored on resume: a model keeps its corpus). */
  corpus?: string;
  resume: boolean;
  /**
   * What a new model starts from: 'base' (fine-tune the base model shipped with Nib: the default),
   * 'scratch' (random weights; the architecture from preset/layers/units/embedding), or the name
   * of another model over the shared vocabulary.
   */
  from?: string;
  preset?: PresetName;
  layers?: number;
  units?: number;
  embedding?: number;
  /** Only the options the user set; the rest come from defaults, the preset or the model's last run. */
  config: Partial<TrainConfig>;
  /** Refuse a run whose estimated memory exceeds this (default: half the computer's memory). */
  maxMemoryBytes?: number;
  /** Measure the suggestion source when training ends (default true; tests of the loop skip it). */
  chooseSource?: boolean;
}

export interface TrainStartEvent {
  type: 'start';
  model: string;
  runId: number;
  resumedFromStep: number;
  params: number;
  vocab: number;
  trainChars: number;
  valChars: number;
  backend: string;
  engine: string;
  /** Why this engine: forced, the only one, or the measurements that chose it (services/engine-choice.ts). */
  engineWhy?: string;
  config: TrainConfig;
  /** Something the writer should know about this run (a changed corpus, its best re-measured). */
  notice?: string;
}

export type TrainProgressEvent = Progress & {
  type: 'progress' | 'eval';
  improved?: boolean;
  /** At evaluations: text the model writes at this point of training. */
  sample?: string;
};

/** Training has ended; the suggestion source is being measured (ml/source-choice.ts). */
export interface TrainMeasuringEvent {
  type: 'measuring';
  model: string;
}

/** The run's latest weights, optimizer and trainer state were saved (a resume starts here). */
export interface TrainCheckpointEvent {
  type: 'checkpoint';
  step: number;
}

/**
 * The GPU engine failed mid-run (device lost, out of memory): training goes on on a CPU engine
 * from the last checkpoint, `fromStep`, as a resume would.
 */
export interface TrainFallbackEvent {
  type: 'fallback';
  why: string;
  fromStep: number;
  engine: string;
}

export type TrainEvent =
  TrainStartEvent | TrainProgressEvent | TrainCheckpointEvent | TrainMeasuringEvent | TrainFallbackEvent;

export interface TrainResult {
  model: string;
  reason: string;
  steps: number;
  bestValLoss: number | null;
  bestStep: number;
  elapsedSec: number;
  runSec: number;
  charsPerSec: number;
  /** Which source suggests for this model, as measured when training ended (null when not measured). */
  suggestSource?: SourceChoice | null;
  /**
   * The model that stays in use because the new one saved fewer keystrokes than the base alone on
   * its held-out writing (the Core; absent when the new one is put in use, or the writer chose one).
   */
  keptInUse?: string;
}

/** What a run would take here, before it starts (the Train view's estimate). */
export interface TrainEstimate {
  params: number;
  secondsPerStep: number;
  totalSec: number;
  engine: string;
  /** A few steps timed now, or the pace of a real run of this shape here (store/runs.ts). */
  basis: 'timed' | 'past run';
}

export interface GenerateParams {
  model: string;
  prompt: string;
  length: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

export interface GenerateResult {
  text: string;
  msPerChar: number;
  skippedPromptChars: number;
}

export interface SuggestParams {
  /** The LSTM model to suggest with… */
  model?: string;
  /** …or a corpus, whose n-gram model suggests before any LSTM is trained. */
  corpus?: string;
  /**
   * With `corpus`: build its n-gram now if none is stored (seconds per megabyte). The CLI asks for
   * it; the app's keystroke path never does (it builds in the background instead).
   */
  buildNgram?: boolean;
  /** The text before the cursor. */
  text: string;
  /** Keeps the LSTM state for this document between calls, so only new text is read. */
  docKey?: string;
  maxChars?: number;
  maxWords?: number;
  threshold?: number;
  /** 0–1: how bold suggestions are (see SuggestOptions.creativity). */
  creativity?: number;
  /** A suggestion may end with the space after its last word (default true; SuggestOptions.trailingSpace). */
  trailingSpace?: boolean;
  /** How many different suggestions to decode (1 on each keystroke; more for Alt+]). Default 3. */
  alternatives?: number;
  /** The writer asked for a suggestion (Alt+] with none shown): the bar is ASKED_BAR_SCALE (ml/suggest.ts) of the usual one. */
  asked?: boolean;
}

export interface SuggestResult {
  suggestion: string;
  probability: number;
  /** Up to three different suggestions, most probable first (`suggestion` is the first). */
  alternatives: string[];
  latencyMs: number;
  /** Characters run through the LSTM for this call. */
  fedChars: number;
  /**
   * What suggested: 'lstm', 'ngram' or 'mix' (with a corpus's n-gram; see ml/source-choice.ts), or
   * 'mix-base' (the base as it ships, with its own n-gram: services/base-model.ts).
   */
  source?: string;
}
