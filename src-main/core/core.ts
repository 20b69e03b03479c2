import type { SuggestResult, TrainEvent, TrainParams, TrainResult } from '../api/contract.ts';
import { NibError, noModel, notFound, toWire, type WireError } from '../api/errors.ts';
import {
  checkName,
  corpora,
  documents,
  importBuffers,
  importPaths,
  removeCorpus,
  removeDocument,
  type FileOutcome,
} from '../services/library.ts';
import { defaultSuggestModel, models, refuseWhileTraining, removeModel } from '../services/models.ts';
import { installBaseModel } from '../services/base-model.ts';
import { baseFitDue } from '../services/base-fit.ts';
import type { SourceChoice } from '../ml/source-choice.ts';
import { refreshNgram, storedNgramStamp } from '../services/ngram.ts';
import {
  BACKENDS,
  DEFAULT_SETTINGS,
  EDITOR_FONTS,
  isCoreMethod,
  LIMITS,
  parseParams,
  PRESETS,
  type CoreHandlers,
  type EndedRun,
  type RunForm,
  type Settings,
} from '../api/core-api.ts';
import { openDb, type Db } from '../store/db.ts';
import { deleteDraft, getDraft, listDrafts, saveDraft } from '../store/drafts.ts';
import { getBaseModel, getModel, renameModel, setModelStatus } from '../store/models.ts';
import { listRuns, runMetrics } from '../store/runs.ts';
import { listAttempts } from '../store/learning.ts';
import { syncDraftsCorpus } from '../services/drafts-corpus.ts';
import type { LearnResult } from '../services/learning.ts';
import { getSettings, setSettings } from '../store/settings.ts';
import { MlHost } from '../workers/ml-host.ts';
import { probeNodeWebGpu } from '../ml/webgpu/node-adapter.ts';
import type { MlMethod, MlParams, MlResult } from '../workers/ml-host-api.ts';
import type { ChildLauncher } from '../workers/protocol.ts';

export { DEFAULT_SETTINGS, type Settings } from '../api/core-api.ts';

export type CoreEvent =
  | { type: 'train'; model: string; event: TrainEvent }
  | { type: 'train-done'; model: string; result?: TrainResult; error?: WireError; stopped?: 'pause' | 'cancel' | null }
  | { type: 'host-crashed'; which: 'train' | 'suggest'; why: string }
  | { type: 'learned'; result: LearnResult }
  /** How the base suggests is being fitted to the writer's text (services/base-fit.ts), and was. */
  | { type: 'base-fitting'; corpus: string | null }
  | { type: 'base-fitted'; corpus: string | null; choice: SourceChoice | null; measured?: SourceChoice }
  /** One file of a `corpora.importPaths` call: imported, or skipped and why. */
  | { type: 'import-file'; outcome: FileOutcome };

export interface CoreOptions {
  /** How the ML hosts are started (Electron's utilityProcess in the app; child_process otherwise). */
  launcher?: ChildLauncher;
  /**
   * The training host's niceness. The app's is 10, so typing stays responsive while a model trains
   * (bench:browser --during-learning); the CLI's is 0: a terminal's `nib train` is the work itself.
   */
  trainNice?: number;
  /** Learning from drafts when the writer is idle (the app); a CLI command never starts it. */
  idleLearning?: boolean;
  /**
   * Fitting the base to the writer's text in the background while it is in use (the app; a CLI
   * command never starts it, `models.fitBase` does it on request).
   */
  fitBase?: boolean;
}

/**
 * The application core behind both transports (Electron IPC and web mode's WebSocket): one
 * database, one ML host for training and a second for suggestions, so a suggestion never waits
 * behind a training step. Every request is validated before a handler sees it.
 */
export class Core {
  readonly db: Db;
  private readonly listeners = new Set<(e: CoreEvent) => void>();
  private trainHost: MlHost | null = null;
  private suggestHost: MlHost | null = null;
  private training: {
    model: string;
    callId: number;
    last: TrainEvent | null;
    sample: string | null;
    /** The engine training now, and why (from the start event; a fallback changes it). */
    engine: { name: string; why: string } | null;
    stop: 'pause' | 'cancel' | null;
    /** Training is done and the suggestion source is being measured (a 'measuring' event came). */
    measuring: boolean;
  } | null = null;
  /** The last run that ended, for a Train view opened after it. */
  private ended: EndedRun | null = null;
  private readonly methods: CoreHandlers;

  private readonly launcher?: ChildLauncher;
  private readonly trainNice: number;

  constructor(
    readonly dataDir: string,
    opts: CoreOptions = {},
  ) {
    this.launcher = opts.launcher;
    this.trainNice = opts.trainNice ?? 10;
    this.db = openDb(dataDir);
    installBaseModel(this.db);
    this.autoFit = opts.fitBase ?? true;
    const idleLearning = opts.idleLearning ?? true;
    if (idleLearning || this.autoFit) {
      this.learnTimer = setInterval(() => {
        if (idleLearning) void this.learn().catch(() => {});
        this.fitBaseSoon();
      }, 15_000);
      this.learnTimer.unref();
    }
    // One handler per method of the contract (api/core-api.ts), typed by it: parameters arrive validated.
    this.methods = {
      'app.info': () => this.info(),
      'corpora.list': () => corpora(this.db),
      // Decoding, HTML and .docx extraction and the n-gram build take seconds for large files:
      // they run in the ML host so the app (and web mode's server) stays responsive.
      'corpora.import': async (p) => {
        const r = await this.offload('library.import', p);
        this.fitBaseSoon();
        return r;
      },
      'corpora.delete': (p) => {
        removeCorpus(this.db, p.corpus);
        this.fitBaseSoon();
      },
      'documents.list': (p) => documents(this.db, p.corpus),
      // The corpus's n-gram must forget the document too (it suggests, alone or mixed).
      'documents.delete': async (p) => {
        await this.offload('ngram.refresh', { corpus: removeDocument(this.db, p.id) });
        this.fitBaseSoon();
      },
      // Which model suggests now: the one chosen in Settings, else the default (newest personal, else the base).
      'models.list': () => {
        const inUse = defaultSuggestModel(this.db, this.settings().activeModel);
        return models(this.db).map((m) => ({ ...m, inUse: m.name === inUse }));
      },
      'models.delete': (p) => {
        const gone = removeModel(this.db, p.name);
        // The Train view no longer shows a run of a model that is gone.
        if (this.ended?.model === p.name) this.ended = null;
        // The base may be in use again: fitted to the writer's text if it is not yet.
        this.fitBaseSoon();
        return gone;
      },
      'models.rename': (p) => {
        refuseWhileTraining(this.db, p.from);
        if (getModel(this.db, checkName('model', p.to)))
          throw new NibError('conflict', `a model named "${p.to}" already exists`, {
            cli: 'choose another name (nib models lists the names taken)',
            app: 'type another name (the list shows the names taken)',
          });
        if (!renameModel(this.db, p.from, p.to)) throw noModel(p.from);
        // The model chosen for suggestions stays chosen under its new name.
        if (this.settings().activeModel === p.from) setSettings(this.db, { activeModel: p.to });
        if (this.ended?.model === p.from) this.ended = { ...this.ended, model: p.to };
      },
      'models.attempts': (p) => {
        const row = getModel(this.db, p.model);
        if (!row) throw noModel(p.model);
        return listAttempts(this.db, row.id);
      },
      // Files, not server paths: a page (in web mode, any page that got the token) never names a
      // place on this computer's disk; the browser (or Electron's native dialogs) saves and opens.
      'models.download': (p) => this.offload('models.exportFiles', p),
      'models.upload': (p) => this.offload('models.importFiles', p),
      'models.measure': (p) => this.offload('models.measure', p),
      'models.fitBase': (p) => this.fitBaseNow(p.corpus ?? null),
      'train.start': (p) => {
        const sized = p.layers !== undefined || p.units !== undefined || p.embedding !== undefined;
        return this.startTraining({
          model: p.model,
          corpus: p.corpus,
          resume: p.resume ?? false,
          ...(!p.resume && { from: p.from ?? 'base' }),
          // From scratch: the architecture given, else the small preset.
          ...(p.from === 'scratch' && { preset: p.preset ?? (sized ? undefined : 'small') }),
          layers: p.layers,
          units: p.units,
          embedding: p.embedding,
          maxMemoryBytes: p.maxMemoryBytes,
          config: {
            // The app's form sets no hyper-parameters: evaluate often, so its chart fills in.
            ...(!p.resume && !p.config && { evalEvery: 100 }),
            ...p.config,
            ...(p.maxSteps && { maxSteps: p.maxSteps }),
            ...(p.maxTimeSec && { maxTimeSec: p.maxTimeSec }),
          },
        });
      },
      // Pause: stop at the next step with a checkpoint, to resume later. Cancel: stop for good; the
      // model keeps its best weights and is not offered for resuming.
      'train.pause': () => this.stopTraining('pause'),
      'train.cancel': () => this.stopTraining('cancel'),
      // Timed in the suggestion host, so it never waits behind (or slows) a running training.
      'train.estimate': (p) => this.offload('estimate', p),
      // Every metric point of every run of the model, so a reopened Train view draws the whole curve.
      'train.history': (p) => {
        const row = getModel(this.db, p.model);
        if (!row) throw noModel(p.model);
        return listRuns(this.db, row.id).flatMap((r) => runMetrics(this.db, r.id));
      },
      'train.status': () =>
        this.training
          ? {
              running: true,
              model: this.training.model,
              last: this.training.last,
              sample: this.training.sample,
              engine: this.training.engine,
              measuring: this.training.measuring,
              form: this.runForm(this.training.model),
            }
          : { running: false, ended: this.ended },
      'learn.now': (p) => this.learn(true, p.seconds ?? undefined),
      'drafts.list': () => listDrafts(this.db),
      'drafts.get': (p) => {
        const d = getDraft(this.db, p.id);
        if (!d) throw notFound(`no draft ${p.id}`);
        return d;
      },
      'drafts.save': (p) => saveDraft(this.db, p.id ?? null, p.title, p.text, p.revision),
      'drafts.delete': (p) => deleteDraft(this.db, p.id),
      'drafts.addToCorpus': async (p) => {
        const d = getDraft(this.db, p.id);
        if (!d) throw notFound(`no draft ${p.id}`);
        const r = importBuffers(this.db, p.corpus, [
          { name: `${d.title || 'Draft'}.txt`, data: Buffer.from(d.text, 'utf8') },
        ]);
        if (r.imported) {
          await this.offload('ngram.refresh', { corpus: r.corpus });
          this.fitBaseSoon();
        }
        return r;
      },
      suggest: (p) => this.suggest(p.text, p.docKey ?? undefined, p.alternatives ?? undefined, p.asked ?? undefined),
      generate: (p) =>
        this.offload('generate', {
          model: p.model,
          prompt: p.prompt,
          length: p.length ?? 200,
          temperature: p.temperature ?? 0.8,
          topK: p.topK ?? 0,
          topP: p.topP ?? 1,
          seed: p.seed ?? 1,
        }),
      // Local methods (api/core-api.ts LOCAL_METHODS): the CLI's, never reachable from a page.
      // The import runs in this process (the CLI's), as a terminal command should: killed, it
      // leaves whole documents only (store/ transactions), and its n-gram is rebuilt here too.
      'corpora.importPaths': (p) => {
        const r = importPaths(this.db, { paths: p.paths, corpus: p.corpus, maxSize: p.maxSizeBytes }, (outcome) =>
          this.emit({ type: 'import-file', outcome }),
        );
        if (r.imported === 0) return { ...r, ngram: null };
        // The documents are in whatever becomes of the n-gram: its refusal is said beside them.
        try {
          return { ...r, ngram: refreshNgram(this.db, r.corpus, p.maxMemoryBytes) };
        } catch (e) {
          if (!(e instanceof NibError)) throw e;
          return { ...r, ngram: null, ngramError: e.message };
        }
      },
      'models.exportTo': (p) => this.offload('models.export', p),
      'models.importFrom': (p) => this.offload('models.import', p),
      eval: (p) => this.offload('eval', { ...p, suggest: p.suggest ?? undefined }),
      'suggest.with': async (p) => {
        if (p.model && p.corpus)
          throw new NibError('invalid', 'suggest with either a model or a corpus n-gram, not both', {
            cli: 'give either --model NAME (an LSTM) or --corpus NAME (its n-gram model)',
            app: 'choose a model or a corpus',
          });
        // Neither: the model the editor would use (chosen in Settings, else the newest personal, else the base).
        const model = p.model ?? (p.corpus ? undefined : defaultSuggestModel(this.db, this.settings().activeModel));
        if (!model && !p.corpus)
          throw new NibError('data', 'no model to suggest with', {
            cli: 'train one (nib train --corpus NAME --model NAME) or pass --corpus NAME for its n-gram',
            app: 'train one in the Train view, or import writing for its n-gram',
          });
        const { model: _m, corpus, ...opts } = p;
        const r = await this.offload('suggest', {
          ...opts,
          model: model ?? undefined,
          corpus: model ? undefined : (corpus ?? undefined),
          // A command may wait the seconds a missing n-gram needs; a keystroke never does.
          buildNgram: true,
        });
        return { ...r, model: model ?? null };
      },
      'settings.get': () => this.settings(),
      'settings.set': async (p) => {
        const before = this.settings().backend;
        // A model chosen for suggestions must exist: stored, a mistyped name would be passed over in silence.
        if (p.activeModel && !getModel(this.db, p.activeModel)) throw noModel(p.activeModel);
        setSettings(this.db, p);
        if (p.activeModel !== undefined) this.fitBaseSoon();
        // A new backend preference applies from the next ML host: restart the idle ones.
        if (p.backend && p.backend !== before) {
          await this.suggestHost?.close();
          if (!this.training) await this.trainHost?.close();
        }
        return this.settings();
      },
    };
  }

  /** Calls a method with untrusted params; errors come back as user-facing NibErrors. */
  async call(method: string, params: unknown): Promise<unknown> {
    if (!isCoreMethod(method)) throw new NibError('invalid', `unknown method "${method}"`);
    const run = this.methods[method] as (p: unknown) => unknown;
    return run(parseParams(method, params));
  }

  on(fn: (e: CoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: CoreEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  settings(): Settings {
    // Only the settings this version knows (an older one stored a fixed confidence threshold, now measured per model).
    const stored = getSettings(this.db);
    const known = Object.fromEntries(
      Object.keys(DEFAULT_SETTINGS)
        .filter((k) => Object.hasOwn(stored, k))
        .map((k) => [k, stored[k]]),
    );
    return { ...DEFAULT_SETTINGS, ...(known as Partial<Settings>) };
  }

  private host(which: 'train' | 'suggest'): MlHost {
    const existing = which === 'train' ? this.trainHost : this.suggestHost;
    if (existing) return existing;
    // Training (and learning from drafts) yields the CPU to suggestions: see MlHost's `nice`.
    const h = this.startHost(which === 'train' ? this.trainNice : 0);
    h.onExit((why) => {
      if (which === 'train') this.trainHost = null;
      else this.suggestHost = null;
      // Restarted on the next request; the UI hears about it.
      if (!this.closing) this.emit({ type: 'host-crashed', which, why });
    });
    if (which === 'train') this.trainHost = h;
    else this.suggestHost = h;
    return h;
  }

  /** A new ML host process for this data folder, on the engine Settings prefer. */
  private startHost(nice: number): MlHost {
    const backend = this.settings().backend;
    return new MlHost({
      dataDir: this.dataDir,
      backend: backend === 'auto' ? undefined : backend,
      launcher: this.launcher,
      nice,
    });
  }

  /** Runs heavy work in the suggestion host, keeping the main process (the app's UI) responsive. */
  private async offload<M extends MlMethod>(method: M, params: MlParams<M>): Promise<MlResult<M>> {
    const h = this.host('suggest');
    await h.ready;
    return h.request(method, params);
  }

  private async info() {
    const h = this.host('suggest');
    const backend = await h.ready;
    return {
      dataDir: this.dataDir,
      backend,
      // The GPU, if any: probed once, in a process of its own (never behind the ML host's work).
      webgpu: await probeNodeWebGpu(),
      settings: this.settings(),
      mlHostPid: h.pid,
      forms: { presets: PRESETS, backends: BACKENDS, limits: LIMITS, editorFonts: EDITOR_FONTS },
    };
  }

  private readonly autoFit: boolean;
  /** The process fitting the base to the writer's text, while one runs (services/base-fit.ts). */
  private fitting: { host: MlHost; done: Promise<unknown> } | null = null;

  /**
   * Fits the base to the writer's text in the background when that is due: the base is the model
   * in use, a corpus of theirs has changed since the last fit, and no training or learning runs.
   * In a process of its own at the lowest priority, so typing gives way to it least and a
   * training run started meanwhile stops it at once (it is measured again later).
   */
  private fitBaseSoon(): void {
    if (!this.autoFit || this.closing || this.fitting || this.training || this.learning) return;
    const base = getBaseModel(this.db);
    if (!base || defaultSuggestModel(this.db, this.settings().activeModel) !== base.name) return;
    const due = baseFitDue(this.db);
    // A fit that failed (not one stopped for training) is not retried every tick, only once the text changes.
    if (!due || due.stamp === this.failedFit) return;
    void this.fitBaseNow(due.corpus)
      .then(() => this.fitBaseSoon())
      .catch(() => {
        if (!this.fitStopped) this.failedFit = due.stamp;
      });
  }
  private failedFit: string | null = null;
  private fitStopped = false;

  private async fitBaseNow(corpus: string | null): Promise<{ corpus: string | null; choice: SourceChoice | null }> {
    await this.fitting?.done.catch(() => {});
    // Lower still than training: a measurement nobody waits for gives way to typing first
    // (bench/README.md "Typing while the base is fitted": on two cores it still costs some).
    const host = this.startHost(this.trainNice > 0 ? 19 : 0);
    const done = (async () => {
      await host.ready;
      return host.request('base.fit', { corpus: corpus ?? undefined });
    })();
    this.fitting = { host, done };
    this.emit({ type: 'base-fitting', corpus });
    try {
      const r = await done;
      this.emit({ type: 'base-fitted', ...r });
      return r;
    } finally {
      this.fitting = null;
      await host.close();
    }
  }

  /** Stops a fit of the base (training and learning come first; it is done again when due). */
  private async stopFitting(): Promise<void> {
    const f = this.fitting;
    if (!f) return;
    this.fitStopped = true;
    try {
      await f.host.close();
      await f.done.catch(() => {});
    } finally {
      this.fitStopped = false;
    }
  }

  private lastTyping = Date.now();
  private learning = false;
  private learnTimer: ReturnType<typeof setInterval> | null = null;

  /**
   * Learning from drafts: when it is on, the writer has been idle `learnIdleSec` and no training
   * runs, the drafts are mirrored into their corpus and, if they changed since the last attempt,
   * the model in use is fine-tuned on them in the training host (a minute at most). `now` skips
   * the idle wait (the Settings view's "Learn now").
   */
  private async learn(now = false, seconds = 60): Promise<LearnResult | { skipped: string }> {
    const s = this.settings();
    if (!now && (!s.learnFromDrafts || Date.now() - this.lastTyping < s.learnIdleSec * 1000))
      return { skipped: 'not idle, or learning is off' };
    if (this.training || this.learning) return { skipped: 'a training run is going' };
    // The base being measured on the writer's text: idle learning waits; "Learn now" goes first.
    if (this.fitting && !now) return { skipped: 'Nib is measuring the base model on your writing' };
    await this.stopFitting();
    const model = defaultSuggestModel(this.db, s.activeModel);
    if (!model) return { skipped: 'no model' };
    // The writer chose the shipped base in Models: idle learning does not make a personal copy and
    // put it in use behind their back ("Learn from my drafts now" still may: they asked).
    if (!now && s.activeModel === model && getModel(this.db, model)?.origin === 'base')
      return { skipped: 'the base model is in use, as chosen in Models: choose a model of your own to learn into' };
    const sync = syncDraftsCorpus(this.db);
    if (!now && getSettings(this.db).learnedDigest === sync.digest)
      return { skipped: 'no new writing since the last attempt' };
    this.learning = true;
    try {
      const h = this.host('train');
      await h.ready;
      const r = await h.request('learn', { model, maxTimeSec: seconds });
      setSettings(this.db, {
        learnedDigest: sync.digest,
        ...(r.model !== model && r.adopted ? { activeModel: r.model } : {}),
      });
      this.emit({ type: 'learned', result: r });
      return r;
    } finally {
      this.learning = false;
    }
  }

  private async suggest(
    text: string,
    docKey?: string,
    alternatives?: number,
    asked?: boolean,
  ): Promise<SuggestResult & { model: string }> {
    this.lastTyping = Date.now();
    const s = this.settings();
    const h = this.host('suggest');
    await h.ready;
    const opts = {
      text,
      docKey,
      threshold: s.confidenceBar ?? undefined,
      maxWords: s.maxWords,
      maxChars: s.maxChars,
      creativity: s.creativity,
      trailingSpace: s.spaceAfterSuggestion,
      alternatives,
      asked,
    };
    // On the keystroke path: plain row lookups, not the model summaries (which also sweep runs).
    const active = defaultSuggestModel(this.db, s.activeModel);
    if (active) return { ...(await h.request('suggest', { ...opts, model: active })), model: active };
    // No model at all (a build without the base model): the n-gram of the first corpus suggests.
    const corpus = corpora(this.db).find((c) => c.documents > 0);
    if (!corpus) return { suggestion: '', probability: 0, alternatives: [], latencyMs: 0, fedChars: 0, model: 'none' };
    // Its n-gram may be missing (an import killed before the build): built in the training host,
    // in the background, while suggestions stay empty rather than wait for it.
    if (!storedNgramStamp(this.db, corpus.id)) this.buildNgramInBackground(corpus.name);
    return { ...(await h.request('suggest', { ...opts, corpus: corpus.name })), model: `n-gram of ${corpus.name}` };
  }

  private building = new Set<string>();

  private buildNgramInBackground(corpus: string): void {
    if (this.building.has(corpus)) return;
    this.building.add(corpus);
    const h = this.host('train');
    void h.ready
      .then(() => h.request('ngram.refresh', { corpus }))
      .catch(() => {})
      .finally(() => this.building.delete(corpus));
  }

  private async startTraining(p: TrainParams): Promise<{ started: true }> {
    if (this.training)
      throw new NibError('conflict', `model "${this.training.model}" is training: wait for it or cancel it first`);
    await this.stopFitting();
    const h = this.host('train');
    await h.ready;
    const inUseBefore = defaultSuggestModel(this.db, this.settings().activeModel);
    const call = h.call('train', p, (e) => {
      if (this.training) {
        const ev = e as TrainEvent;
        // The last progress or evaluation: what the Train view's chart and progress line show.
        if (ev.type === 'progress' || ev.type === 'eval') this.training.last = ev;
        if (ev.type === 'measuring') this.training.measuring = true;
        const sample = (e as { sample?: string }).sample;
        if (sample) this.training.sample = sample;
        if (ev.type === 'start') this.training.engine = { name: ev.engine, why: ev.engineWhy ?? '' };
        if (ev.type === 'fallback')
          this.training.engine = { name: ev.engine, why: `the GPU stopped (${ev.why}); on from step ${ev.fromStep}` };
      }
      this.emit({ type: 'train', model: p.model, event: e as TrainEvent });
    });
    this.training = {
      model: p.model,
      callId: call.id,
      last: null,
      sample: null,
      engine: null,
      stop: null,
      measuring: false,
    };
    call.result.then(
      (result) => {
        const stopped = this.training?.stop ?? null;
        if (stopped === 'cancel') {
          const row = getModel(this.db, p.model);
          if (row) setModelStatus(this.db, row.id, 'ready');
        }
        this.endRun({ model: p.model, result: this.keepBetterInUse(result, inUseBefore), stopped });
      },
      (err) => this.endRun({ model: p.model, error: toWire(err) }),
    );
    return { started: true };
  }

  /**
   * A finished model becomes the one that suggests (the newest personal one does, unless the writer
   * chose one) only if it saves at least as many keystrokes on its held-out writing as the base
   * alone there: a 50-step trial from scratch must not make everyone's suggestions worse. If not,
   * what suggested before stays, chosen by name, and the result says so.
   */
  private keepBetterInUse(result: TrainResult, before: string | null): TrainResult {
    const c = result.suggestSource;
    const chosen = c?.measured.find((m) => m.source === c.source);
    if (!c?.base || !chosen || chosen.ksr >= c.base.ksr) return result;
    if (this.settings().activeModel || !before || before === result.model) return result;
    if (defaultSuggestModel(this.db, null) !== result.model) return result;
    setSettings(this.db, { activeModel: before });
    return { ...result, keptInUse: before };
  }

  /** A training model's run settings, from its row (a resumed run's included): corpus, start, size, goal. */
  private runForm(name: string): RunForm | null {
    const row = getModel(this.db, name);
    if (!row) return null;
    const config = row.train_config ? (JSON.parse(row.train_config) as { maxTimeSec?: number; maxSteps?: number }) : {};
    return {
      corpus: row.corpus_name,
      from: row.parent ? 'base' : 'scratch',
      units: (JSON.parse(row.spec) as { units: number[] }).units,
      maxTimeSec: config.maxTimeSec || null,
      maxSteps: config.maxSteps || null,
    };
  }

  private endRun(done: Pick<EndedRun, 'model' | 'result' | 'error' | 'stopped'>): void {
    const t = this.training;
    // A start refused before the run began (a name taken, a corpus too short) is said once, when
    // it happens; the Train view reopened later shows the last run that really ran.
    if (t && (t.engine || t.last)) this.ended = { ...done, last: t.last, sample: t.sample, engine: t.engine };
    this.training = null;
    this.emit({ type: 'train-done', ...done });
  }

  private stopTraining(how: 'pause' | 'cancel'): { stopping: boolean } {
    if (!this.training || !this.trainHost) return { stopping: false };
    this.training.stop = how;
    this.trainHost.cancel(this.training.callId);
    return { stopping: true };
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    if (this.learnTimer) clearInterval(this.learnTimer);
    await Promise.all([this.trainHost?.close(), this.suggestHost?.close(), this.stopFitting()]);
    this.db.close();
  }
}
