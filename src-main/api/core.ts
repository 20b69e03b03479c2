import type { SuggestResult, TrainEvent, TrainParams, TrainResult } from './contract.ts';
import { NibError, notFound, toWire, type WireError } from './errors.ts';
import { checkName, corpora, documents, importBuffers, removeCorpus, removeDocument } from './library.ts';
import { defaultSuggestModel, models, removeModel } from './models.ts';
import { installBaseModel } from './base-model.ts';
import { validate, type Schema } from './validate.ts';
import { DEFAULT_SUGGEST } from '../ml/suggest.ts';
import { PRESETS } from '../ml/spec.ts';
import { openDb, type Db } from '../store/db.ts';
import { deleteDraft, getDraft, listDrafts, saveDraft } from '../store/drafts.ts';
import { getModel, renameModel, setModelStatus } from '../store/models.ts';
import { listRuns, runMetrics } from '../store/runs.ts';
import { listAttempts } from '../store/learning.ts';
import { syncDraftsCorpus } from './drafts-corpus.ts';
import type { LearnResult } from './learning.ts';
import { getSettings, setSettings } from '../store/settings.ts';
import { MlHost } from '../workers/ml-host.ts';
import type { ChildLauncher } from '../workers/protocol.ts';

export interface Settings {
  pauseMs: number;
  /**
   * A fixed confidence bar (0–1) for every model, or null (the default) for the bar measured for
   * the model in use: the lowest at which its suggestions were right at least half the time.
   */
  confidenceBar: number | null;
  /**
   * 0–1: how bold suggestions are. It moves the confidence bar measured for the model in use
   * (ml/calibrate.ts) down or up, by up to four times (ml/suggest.ts effectiveThreshold).
   */
  creativity: number;
  maxWords: number;
  maxChars: number;
  activeModel: string | null;
  backend: string;
  /** Opt-in: fine-tune the model in use on the drafts after the writer has been idle a while. */
  learnFromDrafts: boolean;
  /** Seconds without typing before learning starts. */
  learnIdleSec: number;
}

export const DEFAULT_SETTINGS: Settings = { pauseMs: 0, confidenceBar: null, maxWords: DEFAULT_SUGGEST.maxWords, maxChars: DEFAULT_SUGGEST.maxChars, creativity: 0.5, activeModel: null, backend: 'auto', learnFromDrafts: false, learnIdleSec: 120 };

export type CoreEvent =
  | { type: 'train'; model: string; event: TrainEvent }
  | { type: 'train-done'; model: string; result?: TrainResult; error?: WireError; stopped?: 'pause' | 'cancel' | null }
  | { type: 'host-crashed'; which: 'train' | 'suggest'; why: string }
  | { type: 'learned'; result: LearnResult };

interface Method {
  schema: Schema;
  run(params: never): unknown;
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
  private training: { model: string; callId: number; last: TrainEvent | null; sample: string | null; stop: 'pause' | 'cancel' | null } | null = null;
  private readonly methods: Record<string, Method>;

  constructor(
    readonly dataDir: string,
    private readonly launcher?: ChildLauncher,
  ) {
    this.db = openDb(dataDir);
    installBaseModel(this.db);
    this.learnTimer = setInterval(() => void this.learn().catch(() => {}), 15_000);
    this.learnTimer.unref();
    const name = { type: 'string', nonEmpty: true, max: 200 } as const;
    this.methods = {
      'app.info': { schema: {}, run: () => this.info() },
      'corpora.list': { schema: {}, run: () => corpora(this.db) },
      'corpora.import': {
        schema: { corpus: name, files: { type: 'array', max: 1000, of: { name: { type: 'string', nonEmpty: true, max: 1000 }, data: { type: 'string', max: 70_000_000 } } } },
        // Decoding, HTML and .docx extraction and the n-gram build take seconds for large files:
        // they run in the ML host so the app (and web mode's server) stays responsive.
        run: (p: { corpus: string; files: { name: string; data: string }[] }) => this.offload('library.import', p),
      },
      'corpora.delete': { schema: { corpus: name }, run: (p: { corpus: string }) => removeCorpus(this.db, p.corpus) },
      'documents.list': { schema: { corpus: name }, run: (p: { corpus: string }) => documents(this.db, p.corpus) },
      'documents.delete': {
        schema: { id: { type: 'number', int: true, min: 1 } },
        // The corpus's n-gram must forget the document too (it suggests, alone or mixed).
        run: async (p: { id: number }) => {
          await this.offload('ngram.refresh', { corpus: removeDocument(this.db, p.id) });
        },
      },
      'models.list': {
        schema: {},
        // Which model suggests now: the one chosen in Settings, else the default (newest personal, else the base).
        run: () => {
          const inUse = defaultSuggestModel(this.db, this.settings().activeModel);
          return models(this.db).map((m) => ({ ...m, inUse: m.name === inUse }));
        },
      },
      'models.delete': { schema: { name }, run: (p: { name: string }) => removeModel(this.db, p.name) },
      'models.rename': {
        schema: { from: name, to: name },
        run: (p: { from: string; to: string }) => {
          if (getModel(this.db, checkName('model', p.to))) throw new NibError('conflict', `a model named "${p.to}" already exists`);
          if (!renameModel(this.db, p.from, p.to)) throw notFound(`no model named "${p.from}"`);
        },
      },
      'train.start': {
        schema: {
          corpus: { ...name, optional: true },
          model: name,
          from: { type: 'enum', values: ['base', 'scratch'], optional: true },
          preset: { type: 'enum', values: Object.keys(PRESETS), optional: true },
          maxSteps: { type: 'number', int: true, min: 1, optional: true },
          maxTimeSec: { type: 'number', min: 1, optional: true },
          resume: { type: 'boolean', optional: true },
        },
        run: (p: { corpus?: string; model: string; from?: 'base' | 'scratch'; preset?: keyof typeof PRESETS; maxSteps?: number; maxTimeSec?: number; resume?: boolean }) =>
          this.startTraining({
            model: p.model,
            corpus: p.corpus,
            resume: p.resume ?? false,
            ...(!p.resume && { from: p.from ?? 'base' }),
            ...(p.from === 'scratch' && { preset: p.preset ?? 'small' }),
            config: { ...(p.maxSteps && { maxSteps: p.maxSteps }), ...(p.maxTimeSec && { maxTimeSec: p.maxTimeSec }), ...(!p.resume && { evalEvery: 100 }) },
          }),
      },
      // Pause: stop at the next step with a checkpoint, to resume later. Cancel: stop for good; the
      // model keeps its best weights and is not offered for resuming.
      'train.pause': { schema: {}, run: () => this.stopTraining('pause') },
      'train.cancel': { schema: {}, run: () => this.stopTraining('cancel') },
      'train.estimate': {
        schema: {
          corpus: name,
          from: { type: 'enum', values: ['base', 'scratch'], optional: true },
          preset: { type: 'enum', values: Object.keys(PRESETS), optional: true },
          steps: { type: 'number', int: true, min: 1, max: 10_000_000 },
        },
        // Timed in the suggestion host, so it never waits behind (or slows) a running training.
        run: (p: { corpus: string; from?: string; preset?: string; steps: number }) => this.offload('estimate', p),
      },
      'models.attempts': {
        schema: { model: name },
        run: (p: { model: string }) => {
          const row = getModel(this.db, p.model);
          if (!row) throw notFound(`no model named "${p.model}"`);
          return listAttempts(this.db, row.id);
        },
      },
      'learn.now': { schema: { seconds: { type: 'number', min: 5, max: 600, optional: true } }, run: (p: { seconds?: number }) => this.learn(true, p.seconds) },
      'train.history': {
        schema: { model: name },
        // Every metric point of every run of the model, so a reopened Train view draws the whole curve.
        run: (p: { model: string }) => {
          const row = getModel(this.db, p.model);
          if (!row) throw notFound(`no model named "${p.model}"`);
          return listRuns(this.db, row.id).flatMap((r) => runMetrics(this.db, r.id));
        },
      },
      'train.status': {
        schema: {},
        run: () => (this.training ? { running: true, model: this.training.model, last: this.training.last, sample: this.training.sample } : { running: false }),
      },
      'drafts.list': { schema: {}, run: () => listDrafts(this.db) },
      'drafts.get': {
        schema: { id: { type: 'number', int: true, min: 1 } },
        run: (p: { id: number }) => getDraft(this.db, p.id) ?? (() => { throw notFound(`no draft ${p.id}`); })(),
      },
      'drafts.save': {
        schema: { id: { type: 'number', int: true, min: 1, optional: true }, title: { type: 'string', max: 500 }, text: { type: 'string', max: 50_000_000 } },
        run: (p: { id?: number; title: string; text: string }) => ({ id: saveDraft(this.db, p.id ?? null, p.title, p.text) }),
      },
      'drafts.addToCorpus': {
        schema: { id: { type: 'number', int: true, min: 1 }, corpus: name },
        run: async (p: { id: number; corpus: string }) => {
          const d = getDraft(this.db, p.id);
          if (!d) throw notFound(`no draft ${p.id}`);
          const r = importBuffers(this.db, p.corpus, [{ name: `${d.title || 'Draft'}.txt`, data: Buffer.from(d.text, 'utf8') }]);
          if (r.imported) await this.offload('ngram.refresh', { corpus: r.corpus });
          return r;
        },
      },
      'models.export': { schema: { name, dir: { type: 'string', nonEmpty: true, max: 4096 } }, run: (p: { name: string; dir: string }) => this.offload('models.export', p) },
      'models.import': { schema: { name, dir: { type: 'string', nonEmpty: true, max: 4096 } }, run: (p: { name: string; dir: string }) => this.offload('models.import', p) },
      'drafts.delete': { schema: { id: { type: 'number', int: true, min: 1 } }, run: (p: { id: number }) => deleteDraft(this.db, p.id) },
      suggest: {
        schema: { text: { type: 'string', max: 50_000_000 }, docKey: { type: 'string', optional: true, max: 200 }, alternatives: { type: 'number', int: true, min: 1, max: 5, optional: true } },
        run: (p: { text: string; docKey?: string; alternatives?: number }) => this.suggest(p.text, p.docKey, p.alternatives),
      },
      'settings.get': { schema: {}, run: () => this.settings() },
      'settings.set': {
        schema: {
          pauseMs: { type: 'number', int: true, min: 0, max: 5000, optional: true },
          confidenceBar: { type: 'number', min: 0, max: 1, optional: true },
          creativity: { type: 'number', min: 0, max: 1, optional: true },
          maxWords: { type: 'number', int: true, min: 1, max: 50, optional: true },
          maxChars: { type: 'number', int: true, min: 1, max: 1000, optional: true },
          activeModel: { type: 'string', optional: true, max: 200 },
          backend: { type: 'enum', values: ['auto', 'gpu', 'node', 'kernel', 'wasm', 'cpu'], optional: true },
          learnFromDrafts: { type: 'boolean', optional: true },
          learnIdleSec: { type: 'number', int: true, min: 10, max: 86_400, optional: true },
        },
        run: async (p: Partial<Settings>) => {
          const before = this.settings().backend;
          setSettings(this.db, p);
          // A new backend preference applies from the next ML host: restart the idle ones.
          if (p.backend && p.backend !== before) {
            await this.suggestHost?.close();
            if (!this.training) await this.trainHost?.close();
          }
          return this.settings();
        },
      },
    };
  }

  /** Calls a method with untrusted params; errors come back as user-facing NibErrors. */
  async call(method: string, params: unknown): Promise<unknown> {
    const m = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (!m) throw new NibError('invalid', `unknown method "${method}"`);
    return m.run(validate(m.schema, params ?? {}, method) as never);
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
    const known = Object.fromEntries(Object.keys(DEFAULT_SETTINGS).filter((k) => Object.hasOwn(stored, k)).map((k) => [k, stored[k]]));
    return { ...DEFAULT_SETTINGS, ...(known as Partial<Settings>) };
  }

  private host(which: 'train' | 'suggest'): MlHost {
    const existing = which === 'train' ? this.trainHost : this.suggestHost;
    if (existing) return existing;
    const backend = this.settings().backend;
    const h = new MlHost({ dataDir: this.dataDir, backend: backend === 'auto' ? undefined : backend, launcher: this.launcher });
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

  /** Runs heavy work in the suggestion host, keeping the main process (the app's UI) responsive. */
  private async offload(method: string, params: unknown): Promise<unknown> {
    const h = this.host('suggest');
    await h.ready;
    return h.request(method, params);
  }

  private async info() {
    const h = this.host('suggest');
    const backend = await h.ready;
    return { dataDir: this.dataDir, backend, settings: this.settings(), mlHostPid: h.pid };
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
    if (!now && (!s.learnFromDrafts || Date.now() - this.lastTyping < s.learnIdleSec * 1000)) return { skipped: 'not idle, or learning is off' };
    if (this.training || this.learning) return { skipped: 'a training run is going' };
    const model = defaultSuggestModel(this.db, s.activeModel);
    if (!model) return { skipped: 'no model' };
    const sync = syncDraftsCorpus(this.db);
    if (!now && getSettings(this.db).learnedDigest === sync.digest) return { skipped: 'no new writing since the last attempt' };
    this.learning = true;
    try {
      const h = this.host('train');
      await h.ready;
      const r = await h.request<LearnResult>('learn', { model, maxTimeSec: seconds });
      setSettings(this.db, { learnedDigest: sync.digest, ...(r.model !== model && r.adopted ? { activeModel: r.model } : {}) });
      this.emit({ type: 'learned', result: r });
      return r;
    } finally {
      this.learning = false;
    }
  }

  private async suggest(text: string, docKey?: string, alternatives?: number): Promise<SuggestResult & { model: string }> {
    this.lastTyping = Date.now();
    const s = this.settings();
    const h = this.host('suggest');
    await h.ready;
    const opts = { text, docKey, threshold: s.confidenceBar ?? undefined, maxWords: s.maxWords, maxChars: s.maxChars, creativity: s.creativity, alternatives };
    // On the keystroke path: plain row lookups, not the model summaries (which also sweep runs).
    const active = defaultSuggestModel(this.db, s.activeModel);
    if (active) return { ...(await h.request<SuggestResult>('suggest', { ...opts, model: active })), model: active };
    // No model at all (a build without the base model): the n-gram of the first corpus suggests.
    const corpus = corpora(this.db).find((c) => c.documents > 0);
    if (!corpus) return { suggestion: '', probability: 0, alternatives: [], latencyMs: 0, fedChars: 0, model: 'none' };
    return { ...(await h.request<SuggestResult>('suggest', { ...opts, corpus: corpus.name })), model: `n-gram of ${corpus.name}` };
  }

  private async startTraining(p: TrainParams): Promise<{ started: true }> {
    if (this.training) throw new NibError('conflict', `model "${this.training.model}" is training: wait for it or cancel it first`);
    const h = this.host('train');
    await h.ready;
    const call = h.call<TrainResult>('train', p, (e) => {
      if (this.training) {
        this.training.last = e as TrainEvent;
        const sample = (e as { sample?: string }).sample;
        if (sample) this.training.sample = sample;
      }
      this.emit({ type: 'train', model: p.model, event: e as TrainEvent });
    });
    this.training = { model: p.model, callId: call.id, last: null, sample: null, stop: null };
    call.result.then(
      (result) => {
        const stopped = this.training?.stop ?? null;
        if (stopped === 'cancel') {
          const row = getModel(this.db, p.model);
          if (row) setModelStatus(this.db, row.id, 'ready');
        }
        this.training = null;
        this.emit({ type: 'train-done', model: p.model, result, stopped });
      },
      (err) => {
        this.training = null;
        this.emit({ type: 'train-done', model: p.model, error: toWire(err) });
      },
    );
    return { started: true };
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
    await Promise.all([this.trainHost?.close(), this.suggestHost?.close()]);
    this.db.close();
  }
}
