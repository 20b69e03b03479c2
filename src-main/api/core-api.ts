import * as v from 'valibot';
import type { LearningAttempt } from '../store/learning.ts';
import type { MetricPoint } from '../store/runs.ts';
import type { CorpusRow, DocumentRow } from '../store/corpora.ts';
import type { DraftRow, DraftSaved } from '../store/drafts.ts';
import type { BackendReport } from '../ml/backend.ts';
import type { WebGpuProbe } from '../ml/webgpu/node-adapter.ts';
import { paramCount, PRESETS, type PresetName } from '../ml/spec.ts';
import { SHARED_VOCAB } from '../ml/vocab.ts';
import type { GenerateResult, SuggestResult, TrainEstimate, TrainEvent, TrainResult } from './contract.ts';
import type { SourceChoice } from '../ml/source-choice.ts';
import type { EvalResult } from '../services/evaluate.ts';
import type { ImportResult } from '../services/library.ts';
import type { LearnResult } from '../services/learning.ts';
import type { ModelSummary } from '../services/models.ts';
import type { NgramSummary } from '../services/ngram.ts';
import { invalid, ParamError, type WireError } from './errors.ts';

/**
 * CoreApi: the one contract between the front ends (the renderer over Electron IPC or web mode's
 * WebSocket) and the core. Each method is declared once, here: its parameters as a valibot schema
 * (which validates untrusted input and from which the parameter types are inferred) and its result
 * type. The core's handler table is typed against it (a handler that reads a field the schema no
 * longer declares does not compile), and the renderer's `api.call` takes its parameter and result
 * types from it, so neither side restates the other. The limits the app's forms show (the ranges
 * of settings, the presets, the compute engines) are exported from here too.
 *
 * This module is imported by the renderer's bundle: it may import only types, valibot and pure
 * modules (ml/spec.ts, ml/vocab.ts, api/errors.ts).
 */

// ---- Building blocks: valibot schemas with the messages the front ends show ------------------

const text = (max: number, nonEmpty = false) =>
  v.pipe(
    v.string('must be text'),
    v.check((s) => !nonEmpty || s.trim() !== '', 'must not be empty'),
    v.maxLength(max, `is too long (at most ${max.toLocaleString('en-US')} characters)`),
  );
const range = (min: number, max: number, int = false) =>
  v.pipe(
    v.number('must be a number'),
    v.finite('must be a number'),
    v.check((x) => !int || Number.isInteger(x), 'must be a whole number'),
    v.minValue(min, `must be between ${min} and ${max}`),
    v.maxValue(max, `must be between ${min} and ${max}`),
  );
/** Above `min` (exclusive), at most `max`: a learning rate, a share of the text. */
const above = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.finite('must be a number'),
    v.gtValue(min, `must be more than ${min} and at most ${max}`),
    v.maxValue(max, `must be more than ${min} and at most ${max}`),
  );
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, `must be one of ${values.join(', ')}`);
const flag = v.boolean('must be true or false');
const list = <S extends v.GenericSchema>(item: S, max: number) =>
  v.pipe(v.array(item, 'must be a list'), v.maxLength(max, 'has too many entries'));
/** Optional: absent, or null (JSON has no undefined), or a valid value; handlers see undefined for both. */
const opt = <S extends v.GenericSchema>(s: S) =>
  v.pipe(
    v.nullish(s),
    v.transform((x) => x ?? undefined),
  );
const params = <E extends v.ObjectEntries>(entries: E) => v.object(entries, 'is required');

/** The longest name of a corpus or model, and of a draft's title (the forms hold them to it). */
export const NAME_MAX = 200;
export const TITLE_MAX = 500;
/** Characters a name may not hold: controls (a line break, a tab)… */
// eslint-disable-next-line no-control-regex
export const NAME_CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * …and invisible ones that reorder or break text (direction overrides and isolates, line and
 * paragraph separators, zero-width space, BOM): a name must read as what it is. Joiners and
 * direction marks, which scripts and emoji need, are allowed.
 */
export const NAME_INVISIBLE = /[\u200b\u2028-\u202e\u2066-\u2069\ufeff]/;
/**
 * A corpus or model name, as every front end passes it: trimmed (so "m2 " is "m2", never a second
 * model that no later command can name), and printable.
 */
const Name = v.pipe(
  v.string('must be text'),
  v.transform((s) => s.trim()),
  v.check((s) => s !== '', 'must not be empty'),
  v.maxLength(NAME_MAX, `is too long (at most ${NAME_MAX} characters)`),
  v.check((s) => !NAME_CONTROL.test(s), 'contains control characters (a line break or a tab): write it on one line'),
  v.check((s) => !NAME_INVISIBLE.test(s), 'contains invisible characters that reorder or break text: type it plainly'),
);
const Id = range(1, Number.MAX_SAFE_INTEGER, true);

/** A phantom carrying a method's result type (results come from the core and are not re-validated). */
const returns = <T>() => undefined as unknown as T;

// ---- What the app's forms offer ---------------------------------------------------------------

export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];
export { PRESETS };

/** Parameters of a model trained from scratch with a preset (over the shared vocabulary). */
export function presetParameters(name: PresetName): number {
  const p = PRESETS[name];
  return paramCount({ vocab: [...SHARED_VOCAB], embedding: p.embedding, units: Array(p.layers).fill(p.units) });
}

/** The compute engines a writer may prefer (Settings), in the words the app shows. */
export const BACKENDS = [
  { id: 'auto', label: 'Automatic (fastest available)' },
  { id: 'kernel', label: 'Nib kernel (CPU)' },
  { id: 'webgpu', label: 'WebGPU (GPU; the CPU if it cannot)' },
  { id: 'gpu', label: 'TensorFlow GPU' },
  { id: 'node', label: 'TensorFlow CPU' },
  { id: 'wasm', label: 'WebAssembly' },
  { id: 'cpu', label: 'JavaScript' },
] as const;
/**
 * What the app calls the engine in use: Settings' word for it (the sidebar, where the full label
 * is the tooltip) — so that the sidebar, Settings and the Train view name one engine one way.
 */
export function backendLabel(name: string): string {
  return BACKENDS.find((b) => b.id === name)?.label ?? name;
}

/**
 * A training engine's name (`TrainEngine.name`: "nib-kernel (avx512, 2 threads)", "webgpu (nvidia
 * ampere)", "tfjs") in the same words, with its details: "Nib kernel (CPU: avx512, 2 threads)".
 */
export function engineLabel(engineName: string): string {
  const m = /^(\S+)(?: \((.*)\))?$/.exec(engineName);
  const id = m?.[1] ?? engineName;
  const detail = m?.[2] ? `: ${m[2]}` : '';
  if (id === 'nib-kernel') return `Nib kernel (CPU${detail})`;
  if (id === 'webgpu') return `WebGPU (GPU${detail})`;
  if (id === 'tfjs') return `TensorFlow.js${detail ? ` (${detail.slice(2)})` : ''}`;
  return engineName;
}

const BACKEND_IDS = BACKENDS.map((b) => b.id) as unknown as readonly [
  'auto',
  'kernel',
  'webgpu',
  'gpu',
  'node',
  'wasm',
  'cpu',
];

/** Ranges of the settings, for validation here and for the Settings form's inputs. */
export const LIMITS = {
  pauseMs: { min: 0, max: 5000 },
  confidenceBar: { min: 0, max: 1 },
  creativity: { min: 0, max: 1 },
  maxWords: { min: 1, max: 50 },
  maxChars: { min: 1, max: 1000 },
  learnIdleSec: { min: 10, max: 86_400 },
  learnSeconds: { min: 5, max: 600 },
  alternatives: { min: 1, max: 5 },
  /** A from-scratch run's step goal in the app (Train's form, its estimate and its start). */
  trainSteps: { min: 1, max: 100_000_000 },
} as const;

/** Training hyper-parameters a caller may set (the CLI's flags; ml/train-config.ts explains each). */
const TrainConfigEntries = {
  seqLen: range(1, 4096, true),
  batch: range(1, 4096, true),
  lr: above(0, 10),
  dropout: range(0, 0.95),
  maxSteps: range(1, 1_000_000_000, true),
  maxTimeSec: above(0, 366 * 86_400),
  valFraction: above(0, 0.9),
  patience: range(1, 1_000_000, true),
  seed: range(0, 2 ** 32 - 1, true),
  evalEvery: range(1, 1_000_000_000, true),
  checkpointEverySec: above(0, 86_400),
};
const Bytes = range(1, Number.MAX_SAFE_INTEGER, true);

const SettingsEntries = {
  pauseMs: range(LIMITS.pauseMs.min, LIMITS.pauseMs.max, true),
  /**
   * A fixed confidence bar (0–1) for every model, or null (the default) for the bar measured for
   * the model in use: the lowest at which its suggestions were right at least half the time.
   */
  confidenceBar: v.nullable(range(LIMITS.confidenceBar.min, LIMITS.confidenceBar.max)),
  /** How bold suggestions are: moves the confidence bar down or up by up to four times (ml/suggest.ts). */
  creativity: range(LIMITS.creativity.min, LIMITS.creativity.max),
  maxWords: range(LIMITS.maxWords.min, LIMITS.maxWords.max, true),
  maxChars: range(LIMITS.maxChars.min, LIMITS.maxChars.max, true),
  /**
   * Tab also takes the space after a suggestion's last word where one likely follows (the next
   * key, if a closing mark, Enter or a space, takes it back: ml/soft-space.ts); off, Tab ends at
   * the word (ml/suggest.ts `trailingSpace`).
   */
  spaceAfterSuggestion: flag,
  /** The model chosen in the Models view; null: the default (newest personal model, else the base). */
  activeModel: v.nullable(Name),
  backend: oneOf(BACKEND_IDS),
  /** Opt-in: fine-tune the model in use on the drafts after the writer has been idle a while. */
  learnFromDrafts: flag,
  /** Seconds without typing before learning starts. */
  learnIdleSec: range(LIMITS.learnIdleSec.min, LIMITS.learnIdleSec.max, true),
  /** The editor's typeface: a serif for prose (the default), a sans-serif, or monospace. */
  editorFont: oneOf(['serif', 'sans', 'mono'] as const),
};

export type Settings = { [K in keyof typeof SettingsEntries]: v.InferOutput<(typeof SettingsEntries)[K]> };

export const DEFAULT_SETTINGS: Settings = {
  pauseMs: 0,
  confidenceBar: null,
  creativity: 0.5,
  maxWords: 4,
  maxChars: 48,
  spaceAfterSuggestion: true,
  activeModel: null,
  backend: 'auto',
  learnFromDrafts: false,
  learnIdleSec: 120,
  editorFont: 'serif',
};

/** The editor fonts Settings offers, in the app's words. */
export const EDITOR_FONTS = [
  { id: 'serif', label: 'Serif (for prose)' },
  { id: 'sans', label: 'Sans-serif' },
  { id: 'mono', label: 'Monospace' },
] as const;

// ---- Results that exist only at this boundary ----------------------------------------------

export interface AppInfo {
  dataDir: string;
  backend: BackendReport;
  /** The machine's WebGPU adapter (vendor, architecture, limits), or why there is none. */
  webgpu: WebGpuProbe;
  settings: Settings;
  mlHostPid: number | undefined;
  /** What forms offer and accept (the renderer also has them from this module, bundled). */
  forms: {
    presets: typeof PRESETS;
    backends: typeof BACKENDS;
    limits: typeof LIMITS;
    editorFonts: typeof EDITOR_FONTS;
  };
}

/** The run that ended last since Nib started, so the Train view shows its result when reopened. */
export interface EndedRun {
  model: string;
  result?: TrainResult;
  error?: WireError;
  stopped?: 'pause' | 'cancel' | null;
  /** Its last progress or evaluation, its last sample and the engine it ended on. */
  last: TrainEvent | null;
  sample: string | null;
  engine: { name: string; why: string } | null;
}

export type TrainStatus =
  | { running: false; ended: EndedRun | null }
  | {
      running: true;
      model: string;
      last: TrainEvent | null;
      sample: string | null;
      /** The engine training now and why it was chosen (or why it changed). */
      engine: { name: string; why: string } | null;
      /** Training is done and Nib is measuring which source suggests best (the run ends after). */
      measuring: boolean;
      /** What the run was started with, for the Train view's (locked) form. */
      form: RunForm | null;
    };

/** A run's settings as the Train view's form shows them. */
export interface RunForm {
  corpus: string | null;
  from: 'base' | 'scratch';
  units: number[];
  maxTimeSec: number | null;
  maxSteps: number | null;
}

export type CoreSuggestResult = SuggestResult & { model: string };

export type LearnNowResult = LearnResult | { skipped: string };

// ---- The methods -----------------------------------------------------------------------------

export const CoreApi = {
  'app.info': { params: params({}), result: returns<AppInfo>() },

  'corpora.list': { params: params({}), result: returns<CorpusRow[]>() },
  'corpora.import': {
    params: params({ corpus: Name, files: list(params({ name: text(1000, true), data: text(70_000_000) }), 1000) }),
    result: returns<ImportResult & { ngram: NgramSummary | null }>(),
  },
  'corpora.delete': { params: params({ corpus: Name }), result: returns<void>() },
  'documents.list': { params: params({ corpus: Name }), result: returns<DocumentRow[]>() },
  'documents.delete': { params: params({ id: Id }), result: returns<void>() },

  'models.list': { params: params({}), result: returns<(ModelSummary & { inUse: boolean })[]>() },
  'models.delete': { params: params({ name: Name }), result: returns<void>() },
  'models.rename': { params: params({ from: Name, to: Name }), result: returns<void>() },
  'models.attempts': { params: params({ model: Name }), result: returns<LearningAttempt[]>() },
  /** A model's folder (tfjs layers format + vocab.json) as files, base64, for a download. */
  'models.download': { params: params({ name: Name }), result: returns<{ files: { name: string; data: string }[] }>() },
  /** A model from the files of such a folder (base64), as the writer chose them. */
  'models.upload': {
    params: params({ name: Name, files: list(params({ name: text(500, true), data: text(200_000_000) }), 64) }),
    result: returns<ModelSummary>(),
  },
  /** An imported model's bits/char, measured on a corpus's held-out tails and kept with it. */
  'models.measure': { params: params({ name: Name, corpus: Name }), result: returns<ModelSummary>() },
  /**
   * Fits how the base suggests to the writer's text (services/base-fit.ts): on `corpus`, by default
   * their largest. The app does it by itself after an import while the base is in use.
   */
  'models.fitBase': {
    params: params({ corpus: opt(Name) }),
    result: returns<{ corpus: string | null; choice: SourceChoice | null; measured?: SourceChoice }>(),
  },

  'train.start': {
    params: params({
      /** A new model's corpus; a resume keeps the model's own and needs none. */
      corpus: opt(Name),
      model: Name,
      /** "base" (personalise; the default), "scratch", or a model of the shared vocabulary to fine-tune. */
      from: opt(Name),
      preset: opt(oneOf(PRESET_NAMES)),
      /** A from-scratch architecture of its own instead of a preset. */
      layers: opt(range(1, 8, true)),
      units: opt(range(1, 4096, true)),
      embedding: opt(range(1, 4096, true)),
      maxSteps: opt(range(LIMITS.trainSteps.min, LIMITS.trainSteps.max, true)),
      maxTimeSec: opt(range(1, 30 * 86_400)),
      resume: opt(flag),
      /** Hyper-parameters beyond the app's form (the CLI's flags); a resume may change only some. */
      config: opt(v.partial(v.strictObject(TrainConfigEntries, 'is not a training option'))),
      /** Memory the corpus n-gram's rebuild may use. */
      maxMemoryBytes: opt(Bytes),
    }),
    result: returns<{ started: true }>(),
  },
  'train.pause': { params: params({}), result: returns<{ stopping: boolean }>() },
  'train.cancel': { params: params({}), result: returns<{ stopping: boolean }>() },
  'train.estimate': {
    params: params({
      corpus: Name,
      from: opt(oneOf(['base', 'scratch'] as const)),
      preset: opt(oneOf(PRESET_NAMES)),
      steps: range(LIMITS.trainSteps.min, LIMITS.trainSteps.max, true),
    }),
    result: returns<TrainEstimate>(),
  },
  'train.history': { params: params({ model: Name }), result: returns<MetricPoint[]>() },
  'train.status': { params: params({}), result: returns<TrainStatus>() },
  'learn.now': {
    params: params({ seconds: opt(range(LIMITS.learnSeconds.min, LIMITS.learnSeconds.max)) }),
    result: returns<LearnNowResult>(),
  },

  'drafts.list': { params: params({}), result: returns<Omit<DraftRow, 'text'>[]>() },
  'drafts.get': { params: params({ id: Id }), result: returns<DraftRow>() },
  'drafts.save': {
    /** `revision`: the draft's revision this text was edited from (store/drafts.ts: a stale one makes a copy). */
    params: params({
      id: opt(Id),
      title: text(TITLE_MAX),
      text: text(50_000_000),
      revision: opt(range(0, Number.MAX_SAFE_INTEGER, true)),
    }),
    result: returns<DraftSaved>(),
  },
  'drafts.delete': { params: params({ id: Id }), result: returns<boolean>() },
  'drafts.addToCorpus': { params: params({ id: Id, corpus: Name }), result: returns<ImportResult>() },

  suggest: {
    params: params({
      text: text(50_000_000),
      docKey: opt(text(200)),
      alternatives: opt(range(LIMITS.alternatives.min, LIMITS.alternatives.max, true)),
      /** The writer asked for a suggestion (Alt+] with none shown): a less confident guess may show. */
      asked: opt(flag),
    }),
    result: returns<CoreSuggestResult>(),
  },

  generate: {
    params: params({
      model: Name,
      prompt: text(1_000_000),
      length: opt(range(1, 100_000, true)),
      temperature: opt(range(0, 10)),
      topK: opt(range(0, 1_000_000, true)),
      topP: opt(above(0, 1)),
      seed: opt(range(0, 2 ** 32 - 1, true)),
    }),
    result: returns<GenerateResult>(),
  },

  // ---- Local methods: the CLI's, in its own process (see LOCAL_METHODS) ----
  /** Files and folders on this computer into a corpus; each file's outcome is an 'import-file' event. */
  'corpora.importPaths': {
    params: params({
      corpus: Name,
      paths: list(text(4096, true), 100_000),
      maxSizeBytes: opt(Bytes),
      maxMemoryBytes: opt(Bytes),
    }),
    /** `ngramError`: why the n-gram was not built (the documents are imported all the same). */
    result: returns<ImportResult & { ngram: NgramSummary | null; ngramError?: string }>(),
  },
  /** A model written to a folder (tfjs layers format + vocab.json). */
  'models.exportTo': { params: params({ name: Name, dir: text(4096, true) }), result: returns<{ files: string[] }>() },
  /** A model read from such a folder. */
  'models.importFrom': { params: params({ name: Name, dir: text(4096, true) }), result: returns<ModelSummary>() },
  /** Cross-entropy and keystroke savings on a corpus's held-out tails or a file, beside the n-gram. */
  eval: {
    params: params({
      model: Name,
      corpus: opt(Name),
      file: opt(text(4096, true)),
      maxChars: opt(range(1000, 1_000_000_000, true)),
      /** Revise suggestions by the text's own words so far, as the app does (default true). */
      documentCache: opt(flag),
      suggest: opt(
        v.partial(
          params({
            threshold: range(LIMITS.confidenceBar.min, LIMITS.confidenceBar.max),
            maxWords: range(LIMITS.maxWords.min, LIMITS.maxWords.max, true),
            maxChars: range(LIMITS.maxChars.min, LIMITS.maxChars.max, true),
            trailingSpace: flag,
          }),
        ),
      ),
    }),
    result: returns<EvalResult>(),
  },
  /**
   * One suggestion with the model or corpus n-gram and the options given (the editor's `suggest`
   * uses the settings and never waits for an n-gram build; this may).
   */
  'suggest.with': {
    params: params({
      text: text(50_000_000),
      model: opt(Name),
      corpus: opt(Name),
      threshold: opt(range(LIMITS.confidenceBar.min, LIMITS.confidenceBar.max)),
      creativity: opt(range(LIMITS.creativity.min, LIMITS.creativity.max)),
      maxWords: opt(range(LIMITS.maxWords.min, LIMITS.maxWords.max, true)),
      maxChars: opt(range(LIMITS.maxChars.min, LIMITS.maxChars.max, true)),
      trailingSpace: opt(flag),
    }),
    result: returns<SuggestResult & { model: string | null }>(),
  },

  'settings.get': { params: params({}), result: returns<Settings>() },
  'settings.set': { params: v.partial(params(SettingsEntries)), result: returns<Settings>() },
};

/**
 * Methods that name files and folders on this computer, or wait for long work: only the CLI calls
 * them, on a Core in its own process. Both transports (Electron IPC, web mode's WebSocket) refuse
 * them, so a page never names a place on disk.
 */
export const LOCAL_METHODS: ReadonlySet<string> = new Set([
  'corpora.importPaths',
  'models.exportTo',
  'models.importFrom',
  'eval',
  'suggest.with',
]);

export type CoreApiSpec = typeof CoreApi;
export type CoreMethod = keyof CoreApiSpec;
/** What a caller sends (optional fields may be left out). */
export type CoreParams<M extends CoreMethod> = v.InferInput<CoreApiSpec[M]['params']>;
/** What a handler receives, validated. */
export type CoreParsed<M extends CoreMethod> = v.InferOutput<CoreApiSpec[M]['params']>;
export type CoreResult<M extends CoreMethod> = CoreApiSpec[M]['result'];

/** Parameters may be left out for methods that take none (or only optional ones). */
export type CoreArgs<M extends CoreMethod> =
  object extends CoreParams<M> ? [params?: CoreParams<M>] : [params: CoreParams<M>];

/** A caller's side of the contract (the renderer's `api`): a method, its parameters, its result. */
export interface CoreCaller {
  call<M extends CoreMethod>(method: M, ...params: CoreArgs<M>): Promise<CoreResult<M>>;
}

/** The core's side of the contract: one handler per method, typed by it. */
export type CoreHandlers = { [M in CoreMethod]: (p: CoreParsed<M>) => CoreResult<M> | Promise<CoreResult<M>> };

// ---- The envelope: one shape on every transport (Electron IPC, web mode's WebSocket) ---------

/** A request as it travels (the WebSocket adds an `id` to match replies). */
export interface Request {
  method: string;
  params?: unknown;
}

/** A reply as it travels: a result, or an error the front end words for itself. */
export type Reply = { ok: true; result: unknown } | { ok: false; error: WireError };

/** The app's wording of an error: the problem and the app's hint (the CLI's flags stay in the CLI). */
export { appMessage } from './app-message.ts';

/** "files[0].name" from a valibot issue path. */
function where(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce(
    (s, p) => (typeof p.key === 'number' ? `${s}[${p.key}]` : s ? `${s}.${String(p.key)}` : String(p.key)),
    '',
  );
}

export function isCoreMethod(method: unknown): method is CoreMethod {
  return typeof method === 'string' && Object.hasOwn(CoreApi, method);
}

/**
 * Validates untrusted parameters for `method`: an object (absent means {}), no fields the method
 * does not declare (own keys only, so "__proto__" or "constructor" are unknown fields, not
 * prototype lookups), each field of the declared type and range. Throws an 'invalid' NibError
 * naming the field and what is wrong with it.
 */
export function parseParams<M extends CoreMethod>(method: M, input: unknown): CoreParsed<M> {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${method}: expected an object`);
  const schema = CoreApi[method].params as v.GenericSchema & { entries: v.ObjectEntries };
  for (const k of Object.keys(value))
    if (!Object.hasOwn(schema.entries, k)) throw invalid(`${method}: unknown field "${k}"`);
  const r = v.safeParse(schema, value);
  if (!r.success) {
    const issue = r.issues[0];
    throw new ParamError(method, where(issue), issue.message);
  }
  return r.output as CoreParsed<M>;
}
