import * as v from 'valibot';
import type { GenerateResult, SuggestResult, TrainEstimate, TrainEvent, TrainResult } from '../api/contract.ts';
import { NibError } from '../api/errors.ts';
import type { EvalResult } from '../services/evaluate.ts';
import type { LearnResult } from '../services/learning.ts';
import type { ImportResult } from '../services/library.ts';
import type { ModelSummary } from '../services/models.ts';
import type { NgramSummary } from '../services/ngram.ts';
import type { BackendReport } from '../ml/backend.ts';
import type { SourceChoice } from '../ml/source-choice.ts';

/**
 * MlHostApi: the contract between the core and the ML host process, declared once. Each method's
 * parameters are a valibot schema, from which their types are inferred; the host validates every
 * request against it before a handler runs (so a message that does not match, whatever sent it,
 * is refused by name rather than half-used), and `MlHost.call` and the host's handler table are
 * typed by it: a handler that reads a field the schema does not declare does not compile, nor does
 * a call that sends one. Results and progress events are typed, not validated: they come from the
 * host, which Nib started. The front ends' contract is CoreApi (api/core-api.ts).
 */

const str = v.string();
const num = v.pipe(v.number(), v.finite());
const int = v.pipe(v.number(), v.integer());
const flag = v.boolean();
/** Strict: a field the schema does not declare is an error, not silently carried along. */
const obj = <E extends v.ObjectEntries>(e: E) => v.strictObject(e);
const files = v.array(obj({ name: str, data: str }));
const preset = v.picklist(['small', 'medium', 'large']);
/** Phantoms carrying a method's result and event types. */
const returns = <T>() => undefined as unknown as T;
const none = undefined as never;

/** A training run's hyper-parameters: any subset (the rest come from defaults, the preset or the last run). */
const TrainConfigPart = v.partial(
  obj({
    seqLen: int,
    batch: int,
    lr: num,
    dropout: num,
    maxSteps: int,
    maxTimeSec: num,
    valFraction: num,
    patience: int,
    minDelta: num,
    lrDecay: num,
    clipNorm: num,
    seed: int,
    evalEvery: int,
    evalWindows: int,
    checkpointEverySec: num,
  }),
);

const SuggestFields = {
  maxChars: v.optional(int),
  maxWords: v.optional(int),
  threshold: v.optional(num),
  creativity: v.optional(num),
  trailingSpace: v.optional(flag),
};

export const MlHostApi = {
  info: {
    params: obj({}),
    result: returns<{ backend: BackendReport; dataDir: string; pid: number }>(),
    event: none,
  },
  /** How long a training run would take here (a few real steps, timed). */
  estimate: {
    params: obj({
      corpus: str,
      /** 'base' (default): the base model's architecture; 'scratch': the preset's. */
      from: v.optional(v.picklist(['base', 'scratch'])),
      preset: v.optional(preset),
      steps: int,
    }),
    result: returns<TrainEstimate>(),
    event: none,
  },
  'ngram.refresh': { params: obj({ corpus: str }), result: returns<NgramSummary | null>(), event: none },
  /** An import from the app: files as base64, decoded and extracted here, off the app's event loop. */
  'library.import': {
    params: obj({ corpus: str, files }),
    result: returns<ImportResult & { ngram: NgramSummary | null }>(),
    event: none,
  },
  'models.export': { params: obj({ name: str, dir: str }), result: returns<{ files: string[] }>(), event: none },
  'models.import': { params: obj({ name: str, dir: str }), result: returns<ModelSummary>(), event: none },
  /** A model folder's files in memory (base64), for the app to offer as a download. */
  'models.exportFiles': {
    params: obj({ name: str }),
    result: returns<{ files: { name: string; data: string }[] }>(),
    event: none,
  },
  /** A model from files the writer chose in the app (base64). */
  'models.importFiles': { params: obj({ name: str, files }), result: returns<ModelSummary>(), event: none },
  /** An imported model's bits/char on a corpus's held-out tails (services/measure.ts). */
  'models.measure': { params: obj({ name: str, corpus: str }), result: returns<ModelSummary>(), event: none },
  /** How the base suggests for the writer's text, measured on a corpus (services/base-fit.ts). */
  'base.fit': {
    params: obj({ corpus: v.optional(str) }),
    result: returns<{ corpus: string | null; choice: SourceChoice | null; measured?: SourceChoice }>(),
    event: none,
  },
  train: {
    params: obj({
      model: str,
      /** Corpus to train a new model on (ignored on resume: a model keeps its corpus). */
      corpus: v.optional(str),
      resume: flag,
      /** 'base' (fine-tune the shipped base: the default), 'scratch', or another model's name. */
      from: v.optional(str),
      preset: v.optional(preset),
      layers: v.optional(int),
      units: v.optional(int),
      embedding: v.optional(int),
      config: TrainConfigPart,
      /** Refuse a run whose estimated memory exceeds this (default: half the computer's memory). */
      maxMemoryBytes: v.optional(num),
      /** Measure the suggestion source when training ends (default true). */
      chooseSource: v.optional(flag),
    }),
    result: returns<TrainResult>(),
    event: returns<TrainEvent>(),
  },
  learn: {
    params: obj({ model: str, maxTimeSec: v.optional(num) }),
    result: returns<LearnResult>(),
    event: none,
  },
  generate: {
    params: obj({ model: str, prompt: str, length: int, temperature: num, topK: int, topP: num, seed: int }),
    result: returns<GenerateResult>(),
    event: none,
  },
  eval: {
    params: obj({
      model: str,
      corpus: v.optional(str),
      file: v.optional(str),
      maxChars: v.optional(int),
      suggest: v.optional(obj(SuggestFields)),
      /** Also evaluate the n-gram baseline and the interpolated model (default true). */
      baselines: v.optional(flag),
      /** Revise suggestions by the text's own words so far, as the app does (default true). */
      documentCache: v.optional(flag),
    }),
    result: returns<EvalResult>(),
    event: none,
  },
  suggest: {
    params: obj({
      /** The LSTM model to suggest with… */
      model: v.optional(str),
      /** …or a corpus, whose n-gram model suggests before any LSTM is trained. */
      corpus: v.optional(str),
      /** With `corpus`: build its n-gram now if none is stored (the CLI; never a keystroke). */
      buildNgram: v.optional(flag),
      /** The text before the cursor. */
      text: str,
      /** Keeps the LSTM state for this document between calls, so only new text is read. */
      docKey: v.optional(str),
      ...SuggestFields,
      /** How many different suggestions to decode (1 on each keystroke; more for Alt+]). */
      alternatives: v.optional(int),
      /** The writer asked for a suggestion (Alt+] with none shown): the bar is ASKED_BAR_SCALE of the usual one. */
      asked: v.optional(flag),
    }),
    result: returns<SuggestResult>(),
    event: none,
  },
};

export type MlHostSpec = typeof MlHostApi;
export type MlMethod = keyof MlHostSpec;
/** What a caller sends. */
export type MlParams<M extends MlMethod> = v.InferInput<MlHostSpec[M]['params']>;
/** What a handler receives, validated. */
export type MlParsed<M extends MlMethod> = v.InferOutput<MlHostSpec[M]['params']>;
export type MlResult<M extends MlMethod> = MlHostSpec[M]['result'];
export type MlEvent<M extends MlMethod> = MlHostSpec[M]['event'];

export function isMlMethod(method: unknown): method is MlMethod {
  return typeof method === 'string' && Object.hasOwn(MlHostApi, method);
}

/** Validates a request for `method` in the host; a mismatch names the field (it is a bug in Nib). */
export function parseMlParams<M extends MlMethod>(method: M, input: unknown): MlParsed<M> {
  const r = v.safeParse(MlHostApi[method].params as v.GenericSchema, input ?? {});
  if (!r.success) {
    const issue = r.issues[0];
    const at = (issue.path ?? []).map((p) => String(p.key)).join('.');
    throw new NibError('invalid', `ML host ${method}: ${at ? `"${at}" ` : ''}${issue.message}`);
  }
  return r.output as MlParsed<M>;
}
