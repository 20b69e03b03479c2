import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createRequire } from 'node:module';
import { Core, type CoreEvent, type CoreOptions } from '../core/core.ts';
import { startWebServer } from '../server/web.ts';
import type { TrainEvent } from '../api/contract.ts';
import { fromWire, invalid, NibError, noCorpus, ParamError } from '../api/errors.ts';
import {
  PRESETS,
  presetParameters,
  type CoreArgs,
  type CoreMethod,
  type CoreParams,
  type CoreResult,
} from '../api/core-api.ts';
import { defaultDataDir } from '../store/data-dir.ts';
import { formatDuration, parseDuration, parseSize } from './parse.ts';
import { bar, table, visible, Out } from './output.ts';
import { formatBytes } from '../text/read-document.ts';

/*
 * The `nib` command: a flag → parameters adapter over the Core, the same contract (api/core-api.ts)
 * and the same validation the app goes through. Each command turns its flags into one method's
 * parameters (strings into numbers, durations into seconds, sizes into bytes: syntax only) and
 * calls the Core in this process; ranges, names and everything else are checked by the contract,
 * and a field it refuses is named by its flag (see `fields` and `flagMessage`).
 */

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface Command {
  summary: string;
  usage: string;
  options: Options;
  /**
   * How this command names a parameter the contract refuses, where it is not `--` + the field's
   * kebab-case name: a flag, or a positional argument (`[label, index]`).
   */
  fields?: Record<string, string | [string, number]>;
  /** How many arguments (not options) it takes: none unless given, so a stray word is refused, not ignored. */
  args?: number;
  run(ctx: Ctx): Promise<number | void>;
}

interface Ctx {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: Out;
  dataDir: string;
  str(name: string): string | undefined;
  /** A flag's value as a number (NaN for anything else, which the contract then refuses by name). */
  num(name: string): number | undefined;
  /** The Core, in this process (opened on first use, closed when the command ends). */
  core(): Core;
  /** One method of the contract, validated by it. */
  call<M extends CoreMethod>(method: M, ...params: CoreArgs<M>): Promise<CoreResult<M>>;
}

/** Fields named differently from their flag, in every command (`config.maxTimeSec` → `--max-time`). */
const FIELD_FLAGS: Record<string, string> = {
  maxTimeSec: '--max-time',
  checkpointEverySec: '--checkpoint-every',
  maxSizeBytes: '--max-size',
  maxMemoryBytes: '--max-memory',
};

/** "--seq-len must be between 1 and 4096, got "0"": a refused field in the CLI's words. */
function flagMessage(cmd: Command, c: Pick<Ctx, 'values' | 'positionals'>, e: ParamError): string {
  const named = cmd.fields?.[e.field];
  const last = e.field
    .split('.')
    .at(-1)!
    .replace(/\[\d+\]$/, '');
  const label = Array.isArray(named)
    ? named[0]
    : (named ?? FIELD_FLAGS[last] ?? `--${last.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())}`);
  const raw = Array.isArray(named) ? c.positionals[named[1]] : c.values[label.replace(/^--/, '')];
  // Echoed as it can be read: invisible characters escaped, a very long value cut.
  const shown = (t: string) => visible(t.length > 80 ? `${t.slice(0, 80)}…` : t);
  return `${label} ${e.reason}${typeof raw === 'string' ? `, got "${shown(raw)}"` : ''}`;
}

const TRAIN_OPTIONS: Options = {
  corpus: { type: 'string' },
  model: { type: 'string' },
  resume: { type: 'string' },
  from: { type: 'string' },
  preset: { type: 'string' },
  layers: { type: 'string' },
  units: { type: 'string' },
  embedding: { type: 'string' },
  'seq-len': { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  dropout: { type: 'string' },
  'max-steps': { type: 'string' },
  'max-time': { type: 'string' },
  'val-fraction': { type: 'string' },
  patience: { type: 'string' },
  seed: { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'max-memory': { type: 'string' },
};

function trainParams(c: Ctx): CoreParams<'train.start'> {
  const resume = c.str('resume');
  const model = resume ?? c.str('model');
  if (!model) throw invalid('nib train needs --model NAME (a new model) or --resume NAME (continue one)');
  if (resume && c.str('model') && c.str('model') !== resume) throw invalid('give either --model or --resume, not both');
  if (resume) {
    for (const k of ['corpus', 'from', 'preset', 'layers', 'units', 'embedding', 'seq-len', 'batch', 'val-fraction']) {
      if (c.values[k] !== undefined)
        throw invalid(`--${k} cannot change on --resume: a model keeps its corpus, architecture and data split`);
    }
  } else if (!c.str('corpus')) throw invalid('nib train needs --corpus NAME (nib corpora lists them)');
  // Size options mean a new architecture, so they imply --from scratch; otherwise the base is fine-tuned.
  const sized = ['preset', 'layers', 'units', 'embedding'].some((k) => c.values[k] !== undefined);
  const from = c.str('from') ?? (sized ? 'scratch' : 'base');
  if (sized && from !== 'scratch')
    throw invalid(
      `--preset, --layers, --units and --embedding need --from scratch: a model fine-tuned from "${from}" keeps its architecture`,
    );
  const config = {
    seqLen: c.num('seq-len'),
    batch: c.num('batch'),
    lr: c.num('lr'),
    dropout: c.num('dropout'),
    maxSteps: c.num('max-steps'),
    maxTimeSec: parseDuration('max-time', c.str('max-time')),
    valFraction: c.num('val-fraction'),
    patience: c.num('patience'),
    seed: c.num('seed'),
    evalEvery: c.num('eval-every'),
    checkpointEverySec: parseDuration('checkpoint-every', c.str('checkpoint-every')),
  };
  return {
    model,
    corpus: c.str('corpus'),
    resume: !!resume,
    ...(!resume && { from }),
    preset: c.str('preset') as CoreParams<'train.start'>['preset'],
    layers: c.num('layers'),
    units: c.num('units'),
    embedding: c.num('embedding'),
    maxMemoryBytes: parseSize('max-memory', c.str('max-memory')),
    // Only the flags given: the rest come from the defaults, the preset or the model's last run.
    config: Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
  };
}

const COMMANDS: Record<string, Command> = {
  import: {
    summary: 'import files and folders into a corpus',
    usage: 'nib import PATH... --corpus NAME [--max-size 50MB] [--max-memory 4GB]',
    options: { corpus: { type: 'string' }, 'max-size': { type: 'string' }, 'max-memory': { type: 'string' } },
    args: Infinity,
    fields: { paths: ['PATH', 0] },
    async run(c) {
      if (!c.str('corpus')) throw invalid('nib import needs --corpus NAME (the corpus is created if new)');
      const off = c.core().on((e) => {
        if (e.type !== 'import-file' || c.out.json) return;
        const o = e.outcome;
        if (o.status === 'imported')
          c.out.err(
            `  imported  ${visible(o.path)} (${o.chars} chars${o.messages ? `, your own text in ${o.messages.withText} of ${o.messages.total} messages` : ''})`,
          );
        else c.out.err(`  skipped   ${visible(o.path)}: ${visible(o.reason ?? '')}`);
      });
      // The n-gram's build is capped to the memory allowed (half of this computer's, or --max-memory).
      const r = await c
        .call('corpora.importPaths', {
          corpus: c.str('corpus')!,
          paths: c.positionals,
          maxSizeBytes: parseSize('max-size', c.str('max-size')),
          maxMemoryBytes: parseSize('max-memory', c.str('max-memory')),
        })
        .finally(off);
      const { ngram } = r;
      const skipped = Object.entries(r.skipped);
      const skippedText = skipped.length ? skipped.map(([k, n]) => `${n} ${k}`).join(', ') : 'none';
      if (!c.out.json && r.unknown.chars > 0) {
        const top = r.unknown.top.map(([ch, n]) => `${JSON.stringify(ch)} ×${n.toLocaleString('en-US')}`).join(', ');
        c.out.err(
          `${(100 * r.unknown.share).toFixed(2)}% of the corpus's characters are outside Nib's vocabulary and are read as unknown (never suggested): ${top}`,
        );
      }
      if (r.ngramError && !c.out.json)
        c.out.err(
          `n-gram model not built: ${r.ngramError} (the documents are imported; it is built when first needed)`,
        );
      if (ngram && !c.out.json) {
        c.out.err(
          `n-gram model: order ${ngram.order}, ${ngram.bitsPerChar.toFixed(3)} bits/char on held-out text, built in ${ngram.seconds.toFixed(1)} s (nib suggest --corpus ${r.corpus} uses it)`,
        );
        if (ngram.limited)
          c.out.err(
            `  orders above ${ngram.limited.maxOrder} were left out, to stay within ` +
              (ngram.limited.heap
                ? `the ${formatBytes(ngram.limited.limitBytes)} of memory left to this process (the text is unusually varied: it needs more memory per character than prose)`
                : `${formatBytes(ngram.limited.limitBytes)} of memory (raise it with --max-memory)`),
          );
      }
      c.out.result(
        r,
        `${r.imported} imported, ${skipped.reduce((s, [, n]) => s + n, 0)} skipped (${skippedText}), ${r.chars.toLocaleString('en-US')} characters into corpus "${r.corpus}"`,
      );
      return r.imported === 0 && r.files.length > 0 && skipped.some(([k]) => k !== 'duplicate') ? 4 : 0;
    },
  },
  corpora: {
    summary: 'list corpora',
    usage: 'nib corpora',
    options: {},
    async run(c) {
      const rows = await c.call('corpora.list');
      c.out.result(
        rows,
        rows.length
          ? table(
              ['corpus', 'documents', 'characters', 'size'],
              rows.map((r) => [r.name, r.documents, r.chars.toLocaleString('en-US'), formatBytes(r.size_bytes)]),
            )
          : 'No corpora yet: nib import PATH --corpus NAME',
      );
    },
  },
  docs: {
    summary: 'list the documents of a corpus',
    usage: 'nib docs --corpus NAME',
    options: { corpus: { type: 'string' } },
    async run(c) {
      if (!c.str('corpus')) throw invalid('nib docs needs --corpus NAME');
      const rows = await c.call('documents.list', { corpus: c.str('corpus')! });
      c.out.result(
        rows,
        rows.length
          ? table(
              ['id', 'name', 'format', 'characters', 'size', 'source'],
              rows.map((r) => [
                r.id,
                r.name,
                r.format,
                r.chars.toLocaleString('en-US'),
                formatBytes(r.size_bytes),
                r.source_path ?? '',
              ]),
            )
          : 'This corpus has no documents.',
      );
    },
  },
  'rm-corpus': {
    summary: 'delete a corpus and its documents',
    usage: 'nib rm-corpus NAME',
    options: {},
    args: 1,
    async run(c) {
      const name = c.positionals[0];
      if (!name) throw invalid('nib rm-corpus needs the corpus NAME');
      await c.call('corpora.delete', { corpus: name });
      c.out.result({ deleted: name }, `Deleted corpus "${name}".`);
    },
  },
  'rm-doc': {
    summary: 'delete one document',
    usage: 'nib rm-doc ID',
    options: {},
    args: 1,
    fields: { id: ['the document ID', 0] },
    async run(c) {
      if (!c.positionals[0]) throw invalid('nib rm-doc needs a document ID (nib docs --corpus NAME lists them)');
      // Digits only: "0x1" or "1e0" is not how `nib docs` writes an ID, and must not delete document 1.
      const id = /^\s*\d+\s*$/.test(c.positionals[0]) ? Number(c.positionals[0]) : NaN;
      // The corpus's n-gram forgets it too (the Core rebuilds it).
      await c.call('documents.delete', { id });
      c.out.result({ deleted: Number(c.positionals[0]) }, `Deleted document ${c.positionals[0]}.`);
    },
  },
  train: {
    summary: 'train a model on a corpus, or resume one',
    usage:
      'nib train --corpus NAME --model NAME [--from base|MODEL] [options]      (personalise: fine-tune the base model)\n' +
      '       nib train --corpus NAME --model NAME --from scratch [--preset small|medium|large | --layers N --units N --embedding N] [options]\n' +
      '       nib train --resume MODEL [--max-steps N --max-time 10m ...]',
    options: TRAIN_OPTIONS,
    async run(c) {
      const params = trainParams(c);
      const core = c.core();
      let finish!: (e: Extract<CoreEvent, { type: 'train-done' }>) => void;
      const done = new Promise<Extract<CoreEvent, { type: 'train-done' }>>((resolve) => (finish = resolve));
      const off = core.on((e) => {
        if (e.type === 'train' && e.model === params.model) onTrainEvent(c.out, e.event);
        if (e.type === 'train-done' && e.model === params.model) finish(e);
      });
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) return;
        interrupted = true;
        c.out.status('');
        c.out.err('Stopping: writing a checkpoint… (resume with nib train --resume ' + params.model + ')');
        void c.call('train.pause');
      };
      // Ctrl+C, kill and closing the terminal (SIGHUP) all stop at a checkpoint.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);
      try {
        await c.call('train.start', params);
        const end = await done;
        if (end.error) throw fromWire(end.error);
        const r = end.result!;
        c.out.status('');
        const bits = r.bestValLoss === null ? '' : ` = ${(r.bestValLoss / Math.LN2).toFixed(3)} bits/char`;
        c.out.result(
          r,
          `${r.reason === 'cancelled' ? 'Stopped' : 'Finished'} "${r.model}" at step ${r.steps} (${r.reason}): best validation loss ${r.bestValLoss?.toFixed(4) ?? '--'} nats${bits} at step ${r.bestStep}; ${Math.round(r.charsPerSec).toLocaleString('en-US')} chars/s over ${formatDuration(r.runSec)}.`,
        );
        if (r.suggestSource && !c.out.json) {
          const m = r.suggestSource.measured.map((x) => `${x.source} ${(100 * x.ksr).toFixed(1)}% KSR`).join(', ');
          c.out.err(
            `Suggestions will come from: ${sourceLabel(r.suggestSource.source, r.suggestSource.lambda, r.suggestSource.corpus, r.suggestSource.baseNgramWeight)} (${m}; ${r.suggestSource.chars.toLocaleString('en-US')} held-out characters${r.suggestSource.base ? `; the base model as it came: ${(100 * r.suggestSource.base.ksr).toFixed(1)}% KSR` : ''}).`,
          );
          if (r.keptInUse)
            c.out.err(
              `It saves fewer keystrokes than the base model as it came, so "${r.keptInUse}" still suggests by default (nib suggest --model ${r.model} uses it).`,
            );
        }
        return r.reason === 'cancelled' ? 130 : 0;
      } finally {
        off();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.off('SIGHUP', onSignal);
      }
    },
  },
  generate: {
    summary: 'continue a prompt with a model',
    usage: 'nib generate --model NAME --prompt TEXT [--length 200 --temperature 0.8 --top-k 0 --top-p 1 --seed 1]',
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      length: { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
    },
    async run(c) {
      if (!c.str('model')) throw invalid('nib generate needs --model NAME (nib models lists them)');
      const prompt = c.str('prompt') ?? '';
      const r = await c.call('generate', {
        model: c.str('model')!,
        prompt,
        length: c.num('length'),
        temperature: c.num('temperature'),
        topK: c.num('top-k'),
        topP: c.num('top-p'),
        seed: c.num('seed'),
      });
      if (r.skippedPromptChars && !c.out.json)
        c.out.err(`note: ${r.skippedPromptChars} prompt characters are not in the model's vocabulary and were skipped`);
      c.out.result(r, prompt + r.text);
    },
  },
  suggest: {
    summary: 'the suggestion the editor would show after TEXT',
    usage:
      'nib suggest --text TEXT [--model NAME | --corpus NAME] [--threshold BAR --creativity 0.5 --max-words 4 --max-chars 48 --no-trailing-space]',
    options: {
      model: { type: 'string' },
      corpus: { type: 'string' },
      text: { type: 'string' },
      threshold: { type: 'string' },
      creativity: { type: 'string' },
      'max-words': { type: 'string' },
      'max-chars': { type: 'string' },
      'no-trailing-space': { type: 'boolean' },
    },
    async run(c) {
      if (c.str('text') === undefined) throw invalid('nib suggest needs --text TEXT (the text before the cursor)');
      // Without --model or --corpus: the model the app would use (chosen in Settings, else the newest personal, else the base).
      const r = await c.call('suggest.with', {
        text: c.str('text')!,
        model: c.str('model'),
        corpus: c.str('corpus'),
        // The same ranges as the app's settings (api/core-api.ts LIMITS).
        threshold: c.num('threshold'),
        creativity: c.num('creativity'),
        maxWords: c.num('max-words'),
        maxChars: c.num('max-chars'),
        ...(c.values['no-trailing-space'] === true && { trailingSpace: false }),
      });
      c.out.result(r, r.suggestion);
    },
  },
  eval: {
    summary: 'cross-entropy and keystroke savings on held-out text, next to an n-gram baseline',
    usage:
      'nib eval --model NAME (--corpus NAME | --file PATH) [--max-chars 100000 --threshold BAR --max-words 4 --max-chars-suggestion 48 --no-cache --no-trailing-space]',
    options: {
      model: { type: 'string' },
      corpus: { type: 'string' },
      file: { type: 'string' },
      'max-chars': { type: 'string' },
      threshold: { type: 'string' },
      'max-words': { type: 'string' },
      'max-chars-suggestion': { type: 'string' },
      'no-cache': { type: 'boolean' },
      'no-trailing-space': { type: 'boolean' },
    },
    fields: { 'suggest.maxChars': '--max-chars-suggestion' },
    async run(c) {
      if (!c.str('model')) throw invalid('nib eval needs --model NAME (nib models lists them)');
      if (!!c.str('corpus') === !!c.str('file'))
        throw invalid('nib eval needs exactly one of --corpus NAME or --file PATH');
      const suggest = {
        threshold: c.num('threshold'),
        maxWords: c.num('max-words'),
        maxChars: c.num('max-chars-suggestion'),
        ...(c.values['no-trailing-space'] === true && { trailingSpace: false }),
      };
      const r = await c.call('eval', {
        model: c.str('model')!,
        corpus: c.str('corpus'),
        file: c.str('file') === undefined ? undefined : path.resolve(c.str('file')!),
        maxChars: c.num('max-chars'),
        ...(c.values['no-cache'] === true && { documentCache: false }),
        suggest: Object.fromEntries(Object.entries(suggest).filter(([, v]) => v !== undefined)),
      });
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      c.out.result(
        r,
        [
          `Held-out text: ${r.source}; ${r.sampling}. Suggestions: up to ${r.suggest.maxWords} words / ${r.suggest.maxChars} chars, each source at ${c.str('threshold') !== undefined ? 'the given' : 'its measured'} confidence bar ("bar"), ${r.documentCache ? 'with' : 'without'} the document cache. ${formatDuration(r.seconds)}.`,
          table(
            [
              'model',
              'nats/char',
              'bits/char',
              'bar',
              'KSR',
              'shown/100 chars',
              'precision',
              'chars/accept',
              'latency p50',
              'p95',
            ],
            r.rows.map((x) => [
              x.name,
              x.natsPerChar.toFixed(4),
              x.bitsPerChar.toFixed(3),
              String(x.threshold),
              pct(x.ksr),
              x.shownPer100.toFixed(1),
              pct(x.precision),
              x.meanAcceptedChars.toFixed(1),
              `${x.latencyP50.toFixed(2)} ms`,
              `${x.latencyP95.toFixed(2)} ms`,
            ]),
          ),
        ].join('\n'),
      );
    },
  },
  models: {
    summary: 'list models with their metrics',
    usage: 'nib models',
    options: {},
    async run(c) {
      const rows = await c.call('models.list');
      c.out.result(
        rows,
        rows.length
          ? table(
              [
                'model',
                'status',
                'corpus',
                'from',
                'architecture',
                'params',
                'steps',
                'best val (nats)',
                'bits/char',
                'trained',
                'suggests with',
              ],
              rows.map((m) => [
                // The one the app and nib suggest use now (chosen in Settings, else the default).
                m.inUse ? `${m.name} (in use)` : m.name,
                m.status,
                m.origin === 'base' ? '(shipped)' : m.origin === 'imported' ? '(imported)' : (m.corpus ?? '-'),
                m.origin === 'trained' ? (m.parent ?? 'scratch') : '-',
                `${m.embedding}→${m.units.join('→')}→${m.vocab}`,
                m.params.toLocaleString('en-US'),
                m.steps,
                m.bestValLoss?.toFixed(4) ?? '-',
                m.bestBitsPerChar === null
                  ? '-'
                  : `${m.bestBitsPerChar.toFixed(3)}${m.measuredOn ? ` (on ${m.measuredOn})` : ''}`,
                formatDuration(m.trainSeconds),
                m.suggestSource
                  ? sourceLabel(
                      m.suggestSource.source,
                      m.suggestSource.lambda,
                      m.suggestSource.corpus,
                      m.suggestSource.baseNgramWeight,
                    )
                  : 'the model',
              ]),
            )
          : 'No models yet: nib train --corpus NAME --model NAME',
      );
    },
  },
  'rm-model': {
    summary: 'delete a model with its checkpoints and history',
    usage: 'nib rm-model NAME',
    options: {},
    args: 1,
    async run(c) {
      if (!c.positionals[0]) throw invalid('nib rm-model needs the model NAME');
      await c.call('models.delete', { name: c.positionals[0] });
      c.out.result({ deleted: c.positionals[0] }, `Deleted model "${c.positionals[0]}".`);
    },
  },
  info: {
    summary: 'backend in use (and why not the others), versions, data folder',
    usage: 'nib info',
    options: {},
    async run(c) {
      const info = await c.call('app.info');
      const b = info.backend;
      const require = createRequire(import.meta.url);
      const versions: Record<string, string> = {
        nib: (require('../../package.json') as { version: string }).version,
        node: process.versions.node,
        ...b.versions,
      };
      try {
        versions['better-sqlite3'] = (require('better-sqlite3/package.json') as { version: string }).version;
      } catch {
        /* reported as missing by its absence */
      }
      const gpu = info.webgpu;
      const lines = [
        `Backend: ${b.label}${b.forcedBy ? ` (forced by ${b.forcedBy})` : ''}`,
        ...Object.entries(b.status).map(([k, v]) => `  ${k.padEnd(6)} ${v}`),
        `WebGPU: ${
          'adapter' in gpu
            ? `${[gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description].filter(Boolean).join(' ')} (${Object.entries(
                gpu.adapter.limits,
              )
                .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
                .join(
                  ', ',
                )})${gpu.adapter.software ? '; a software adapter, not used for training unless NIB_WEBGPU_SOFTWARE=1' : ''}`
            : gpu.why
        }`,
        `Data folder: ${c.dataDir}`,
        `Versions: ${Object.entries(versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      ];
      c.out.result({ backend: b, webgpu: gpu, dataDir: c.dataDir, versions }, lines.join('\n'));
    },
  },
  export: {
    summary: 'write a model as tfjs layers format (model.json + weights) plus vocab.json',
    usage: 'nib export MODEL DIR',
    args: 2,
    options: {},
    async run(c) {
      const [model, dir] = c.positionals;
      if (!model || !dir) throw invalid('nib export needs MODEL and DIR');
      // In the ML host, which has TensorFlow.js loaded for the layers format; the CLI process never loads it.
      const r = await c.call('models.exportTo', { name: model, dir: path.resolve(dir) });
      c.out.result(r, `Wrote ${r.files.join(', ')}`);
    },
  },
  serve: {
    summary: 'web mode: the app in your browser, on 127.0.0.1 only',
    usage: 'nib serve [--port N]',
    options: { port: { type: 'string' } },
    async run(c) {
      const port = c.num('port') ?? 0;
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw invalid(`--port must be a whole number from 0 to 65535, got "${c.str('port')}"`);
      const staticDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'renderer');
      if (!fs.existsSync(path.join(staticDir, 'index.html')))
        throw new NibError('data', 'the renderer is not built: run npm run build first');
      const core = new Core(c.dataDir, { launcher });
      let server;
      try {
        server = await startWebServer(core, { port, staticDir });
      } catch (e) {
        await core.close();
        const code = (e as NodeJS.ErrnoException).code;
        throw new NibError(
          'invalid',
          code === 'EADDRINUSE'
            ? `port ${port} is in use (another Nib or another program): choose another with --port, or leave --port out for any free one`
            : `cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`,
        );
      }
      c.out.line(`Nib web: ${server.url}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await core.close();
    },
  },
  'import-model': {
    summary: 'add a model from a tfjs layers folder (model.json, weights, vocab.json)',
    usage: 'nib import-model DIR --name NAME [--corpus NAME]      (--corpus: measure its bits/char on that corpus)',
    options: { name: { type: 'string' }, corpus: { type: 'string' } },
    args: 1,
    async run(c) {
      const dir = c.positionals[0];
      if (!dir) throw invalid('nib import-model needs DIR');
      if (!c.str('name')) throw invalid('nib import-model needs --name NAME for the new model');
      const corpus = c.str('corpus');
      // The corpus is checked before the import, so a typo does not leave a model half-reported.
      if (corpus !== undefined && !(await c.call('corpora.list')).some((x) => x.name === corpus))
        throw noCorpus(corpus);
      const imported = await c.call('models.importFrom', { name: c.str('name')!, dir: path.resolve(dir) });
      // Imported is imported: a corpus too short to measure on is said beside it, not as a failure.
      let m = imported;
      let unmeasured = ' Not measured: add --corpus NAME to measure it on your writing.';
      if (corpus !== undefined)
        try {
          m = await c.call('models.measure', { name: imported.name, corpus });
        } catch (e) {
          if (!(e instanceof NibError)) throw e;
          unmeasured = ` Not measured: ${e.message}.`;
        }
      const measured =
        m.bestBitsPerChar === null
          ? unmeasured
          : ` ${m.bestBitsPerChar.toFixed(3)} bits/char on the held-out text of corpus "${m.measuredOn}".`;
      c.out.result(
        m,
        `Imported model "${m.name}": ${m.embedding}→${m.units.join('→')}→${m.vocab}, ${m.params.toLocaleString('en-US')} parameters.${measured}`,
      );
    },
  },
};

function onTrainEvent(out: Out, e: TrainEvent): void {
  if (out.json) return out.line(JSON.stringify(e));
  if (e.type === 'start') {
    const from = e.resumedFromStep ? `resuming at step ${e.resumedFromStep}, ` : '';
    out.err(
      `Training "${e.model}": ${e.params.toLocaleString('en-US')} parameters, vocabulary ${e.vocab}, ${e.trainChars.toLocaleString('en-US')} training / ${e.valChars.toLocaleString('en-US')} validation characters; ${from}seq ${e.config.seqLen} × batch ${e.config.batch}, lr ${e.config.lr}; ${e.backend}, engine ${e.engine}`,
    );
    if (e.engineWhy) out.err(`Engine: ${e.engineWhy}`);
    if (e.notice) out.err(`Note: ${e.notice}`);
    return;
  }
  if (e.type === 'checkpoint') return;
  if (e.type === 'fallback') {
    out.status('');
    const from = e.fromStep > 0 ? `the checkpoint at step ${e.fromStep}` : 'the start of this run';
    out.err(`The GPU stopped: ${e.why}. Training goes on on ${e.engine} from ${from}.`);
    return;
  }
  if (e.type === 'measuring') {
    out.status('');
    out.err(
      'Measuring which suggests best on held-out text (the model, the corpus n-gram or both mixed), and the base model as it came there…',
    );
    return;
  }
  const frac = e.maxSteps > 0 ? e.step / e.maxSteps : null;
  const val =
    e.valLoss === null ? 'val --' : `val ${e.valLoss.toFixed(3)} nats (${(e.valLoss / Math.LN2).toFixed(2)} bits/char)`;
  const line = `${frac !== null ? bar(frac) + ' ' : ''}step ${e.step}${e.maxSteps ? '/' + e.maxSteps : ''} ep ${e.epoch.toFixed(2)} | loss ${e.trainLoss.toFixed(3)} | ${val} | ${Math.round(e.charsPerSec).toLocaleString('en-US')} chars/s | ETA ${formatDuration(e.etaSec)}`;
  if (e.type === 'eval') {
    out.status('');
    out.err(line + (e.improved ? ' *best' : ''));
  } else out.status(line);
}

function sourceLabel(source: string, lambda: number, corpus: string | null = 'corpus', baseNgramWeight = 0): string {
  const ngram =
    corpus === null
      ? 'the n-gram shipped with it'
      : baseNgramWeight
        ? `the corpus n-gram with the base's (weight ${baseNgramWeight})`
        : 'the corpus n-gram';
  return source === 'mix'
    ? `the model mixed with ${ngram} (the model's weight ${lambda} at a document's start, then following what you write)`
    : source === 'ngram'
      ? ngram
      : 'the model';
}

function help(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'nib: train a language model on your own writing and let it suggest how your sentences go on.',
    '',
    'Usage: nib COMMAND [options]   (nib COMMAND --help for its options)',
    '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`),
    '',
    "Every command takes --data-dir DIR (default: the desktop app's folder; NIB_DATA_DIR overrides) and --json.",
    'Presets: ' +
      Object.entries(PRESETS)
        .map(
          ([k, p]) =>
            `${k} (${p.layers}×${p.units}, embedding ${p.embedding}, ~${presetParameters(k as keyof typeof PRESETS).toLocaleString('en-US')} parameters)`,
        )
        .join(', '),
  ].join('\n');
}

/** `--lr -1` would read as two options: join it into `--lr=-1` so the value gets a proper range error. */
function joinNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (
      a.startsWith('--') &&
      !a.includes('=') &&
      options[a.slice(2)]?.type === 'string' &&
      next !== undefined &&
      /^-\d|^-\.\d/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

let outputLost = false;
/** How this process starts ML hosts (see `main`). */
let launcher: CoreOptions['launcher'];

const EXIT: Record<string, number> = {
  invalid: 2,
  'not-found': 3,
  conflict: 4,
  data: 4,
  cancelled: 130,
  backend: 5,
  internal: 1,
};

/**
 * Runs one command. `launcher` starts the ML host: child_process.fork by default; the desktop
 * app's binary (`Nib --nib ARGS`, src-main/app/main.ts) passes its utility-process launcher.
 */
export async function main(argv: string[], opts: { launcher?: CoreOptions['launcher'] } = {}): Promise<number> {
  launcher = opts.launcher;
  const [name, ...rest] = argv;
  // Output that can no longer be written (a closed pipe, `nib train | head`; a terminal hung up):
  // not a crash. A running command stops as it would on a hang-up (training: at a checkpoint).
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', () => {
      if (!outputLost) process.emit('SIGHUP', 'SIGHUP');
      outputLost = true;
    });
  const out = new Out(argv.includes('--json'));
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    out.line(help());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    out.err(`nib: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  let core: Core | null = null;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined;
  try {
    try {
      const options = { ...COMMON, ...cmd.options };
      parsed = parseArgs({
        args: joinNegativeValues(rest, options),
        options,
        allowPositionals: true,
        strict: true,
      }) as {
        values: Record<string, string | boolean | undefined>;
        positionals: string[];
      };
    } catch (e) {
      throw invalid(
        `${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (nib ${name} --help lists its options)`,
      );
    }
    const values = parsed.values;
    if (values.help) {
      out.line(`${cmd.summary}\n\nUsage: ${cmd.usage}`);
      return 0;
    }
    // A word too many is refused, never ignored: `nib rm-corpus my novel` must not delete "my".
    const most = cmd.args ?? 0;
    if (parsed.positionals.length > most) {
      const extra = parsed.positionals.slice(most).map((a) => JSON.stringify(a.length > 60 ? `${a.slice(0, 60)}…` : a));
      throw invalid(
        most === 0
          ? `takes no arguments, only options: ${extra.join(' ')} is one too many (usage: ${cmd.usage})`
          : `takes ${most === 1 ? 'one argument' : `${most} arguments`}, got ${parsed.positionals.length}: ${extra.join(' ')} ${extra.length === 1 ? 'is' : 'are'} too many (usage: ${cmd.usage}); quote a name with spaces, as in "my novel"`,
      );
    }
    if (values['data-dir'] === '') throw invalid('--data-dir must name a folder, got ""');
    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
    const ctx: Ctx = {
      values,
      positionals: parsed.positionals,
      out,
      dataDir,
      str: (k) => {
        const v = values[k];
        return typeof v === 'string' ? v : undefined;
      },
      num: (k) => {
        const v = values[k];
        return typeof v !== 'string' ? undefined : v.trim() === '' ? NaN : Number(v);
      },
      // The CLI's Core: no idle learning, and training at normal priority (it is the work itself).
      core: () => (core ??= new Core(dataDir, { idleLearning: false, fitBase: false, trainNice: 0, launcher })),
      call: (method, ...params) => ctx.core().call(method, params[0]) as never,
    };
    return (await cmd.run(ctx)) ?? 0;
  } catch (e) {
    out.status('');
    if (e instanceof NibError && e.code === 'internal') {
      // A bug (or an error nobody worded) from the ML host: its first line, the rest on request.
      const [first, ...rest] = e.message.split('\n');
      if (out.json) out.line(JSON.stringify({ error: { code: e.code, message: first } }));
      else
        out.err(
          `nib ${name}: unexpected error: ${first}${process.env.NIB_DEBUG ? '\n' + rest.join('\n') : ' (set NIB_DEBUG=1 for details)'}`,
        );
      return EXIT.internal;
    }
    if (e instanceof NibError) {
      const message = e instanceof ParamError && parsed ? flagMessage(cmd, parsed, e) : e.message;
      if (out.json) out.line(JSON.stringify({ error: { code: e.code, message } }));
      else out.err(`nib ${name}: ${message}`);
      return EXIT[e.code] ?? 1;
    }
    const err = e as Error;
    if (err?.name === 'DataFolderError') {
      if (out.json) out.line(JSON.stringify({ error: { code: 'data', message: err.message } }));
      else out.err(`nib ${name}: ${err.message}`);
      return EXIT.data;
    }
    out.err(
      `nib ${name}: unexpected error: ${err.message}${process.env.NIB_DEBUG ? '\n' + err.stack : ' (set NIB_DEBUG=1 for details)'}`,
    );
    return 1;
  } finally {
    await (core as Core | null)?.close();
  }
}
