import type {
  SuggestParams,
  SuggestResult,
  GenerateParams,
  GenerateResult,
  TrainEvent,
  TrainParams,
  TrainResult,
} from '../api/contract.ts';
import type { EvalParams, EvalResult } from '../services/evaluate.ts';
import type { LearnParams, LearnResult } from '../services/learning.ts';
import type { ImportResult } from '../services/library.ts';
import type { ModelSummary } from '../services/models.ts';
import type { NgramSummary } from '../services/ngram.ts';
import type { BackendReport } from '../ml/backend.ts';
import type { EstimateParams } from './ml-service.ts';

/**
 * MlHostApi: the contract between the core (or the CLI) and the ML host process, declared once.
 * Both sides are typed by it: `MlHost.call` takes a method's parameters and gives its result and
 * progress events; the service's handler table must implement every method with these types.
 * Unlike CoreApi (api/core-api.ts), which validates what a page or socket sends, this boundary
 * connects Nib to a process Nib started, with parameters the core or the CLI has already
 * validated, so it is checked at compile time only.
 */
export interface MlHostApi {
  info: {
    params: Record<string, never>;
    result: { backend: BackendReport; dataDir: string; pid: number };
    event: never;
  };
  /** How long a training run would take here (a few real steps, timed). */
  estimate: {
    params: EstimateParams;
    result: { params: number; secondsPerStep: number; totalSec: number };
    event: never;
  };
  'ngram.refresh': { params: { corpus: string }; result: NgramSummary | null; event: never };
  /** An import from the app: files as base64, decoded and extracted here, off the app's event loop. */
  'library.import': {
    params: { corpus: string; files: { name: string; data: string }[] };
    result: ImportResult & { ngram: NgramSummary | null };
    event: never;
  };
  'models.export': { params: { name: string; dir: string }; result: { files: string[] }; event: never };
  'models.import': { params: { name: string; dir: string }; result: ModelSummary; event: never };
  /** A model folder's files in memory (base64), for the app to offer as a download. */
  'models.exportFiles': { params: { name: string }; result: { files: { name: string; data: string }[] }; event: never };
  /** A model from files the writer chose in the app (base64). */
  'models.importFiles': {
    params: { name: string; files: { name: string; data: string }[] };
    result: ModelSummary;
    event: never;
  };
  /** An imported model's bits/char on a corpus's held-out tails (services/measure.ts). */
  'models.measure': { params: { name: string; corpus: string }; result: ModelSummary; event: never };
  train: { params: TrainParams; result: TrainResult; event: TrainEvent };
  learn: { params: LearnParams; result: LearnResult; event: never };
  generate: { params: GenerateParams; result: GenerateResult; event: never };
  eval: { params: EvalParams; result: EvalResult; event: never };
  suggest: { params: SuggestParams; result: SuggestResult; event: never };
}

export type MlMethod = keyof MlHostApi;
export type MlParams<M extends MlMethod> = MlHostApi[M]['params'];
export type MlResult<M extends MlMethod> = MlHostApi[M]['result'];
export type MlEvent<M extends MlMethod> = MlHostApi[M]['event'];
