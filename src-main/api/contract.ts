import type { PresetName } from '../ml/spec.ts';
import type { TrainConfig } from '../ml/train-config.ts';
import type { Progress } from '../ml/train-loop.ts';

/** Requests and results shared by the CLI, the ML host and (later) the IPC and WebSocket transports. */

export interface TrainParams {
  model: string;
  /** Corpus to train a new model on (ignored on resume: a model keeps its corpus). */
  corpus?: string;
  resume: boolean;
  preset?: PresetName;
  layers?: number;
  units?: number;
  embedding?: number;
  /** Only the options the user set; the rest come from defaults, the preset or the model's last run. */
  config: Partial<TrainConfig>;
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
  config: TrainConfig;
}

export type TrainProgressEvent = Progress & {
  type: 'progress' | 'eval' | 'checkpoint';
  improved?: boolean;
  /** At evaluations: text the model writes at this point of training. */
  sample?: string;
};

export type TrainEvent = TrainStartEvent | TrainProgressEvent;

export interface TrainResult {
  model: string;
  reason: string;
  steps: number;
  bestValLoss: number | null;
  bestStep: number;
  elapsedSec: number;
  runSec: number;
  charsPerSec: number;
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
  /** The text before the cursor. */
  text: string;
  /** Keeps the LSTM state for this document between calls, so only new text is read. */
  docKey?: string;
  maxChars?: number;
  maxWords?: number;
  threshold?: number;
  temperature?: number;
}

export interface SuggestResult {
  suggestion: string;
  probability: number;
  /** Up to three different suggestions, most probable first (`suggestion` is the first). */
  alternatives: string[];
  latencyMs: number;
  /** Characters run through the LSTM for this call. */
  fedChars: number;
}
