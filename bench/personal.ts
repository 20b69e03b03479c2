/**
 * What a writer gains on their own text (npm run bench:personal). For each "personal" corpus that
 * scripts/base-corpus.ts assembles from public text the base model never saw (speeches, technical
 * documentation, fiction): the corpus's n-gram, the base model alone, a model trained from scratch,
 * the base personalised on the corpus (the last two for the same wall time), and that personal
 * model after learning from drafts: the writer's next documents (OUT/drafts/NAME of
 * scripts/base-corpus.ts, never part of the corpus), saved as the app's drafts in two halves, each
 * followed by the app's learning attempt of 60 s (the Core's `learn.now`, as the idle timer runs
 * it), kept only where held-out bits/char improved. Each is measured
 * with `nib eval` on the held-out last 10% of every document: bits/char, keystroke savings (KSR),
 * precision, suggestions shown per 100 characters and latency p95. Each suggests at its own
 * confidence bar (src-main/ml/calibrate.ts), so all are compared at the same precision (≥ 50%):
 * the base at the bar measured on its own held-out text when it was trained, the others at the
 * bars `nib train` measured on this corpus's held-out text (the n-gram's with the personal model).
 *
 *   npm run bench:personal -- [--minutes 10] [--max-chars 20000] [--corpora speeches,technical,fiction] [--work /tmp/nib-personal]
 *                              [--learn-seconds 60]
 *
 * Run nothing else meanwhile: both trainings are timed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Core } from '../src-main/core/core.ts';
import { opt, ROOT } from './common.ts';

const minutes = Number(opt('minutes', '10'));
const maxChars = opt('max-chars', '20000');
const work = path.resolve(opt('work', '/tmp/nib-personal'));
const names = opt('corpora', 'speeches,technical,fiction').split(',');
const learnSeconds = Number(opt('learn-seconds', '60'));

interface Row {
  name: string;
  bitsPerChar: number;
  ksr: number;
  precision: number;
  shownPer100: number;
  latencyP95: number;
  threshold: number;
}

function nib(dataDir: string, ...args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nib.js'), ...args, '--data-dir', dataDir, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`nib ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!);
}

/**
 * The writer goes on writing in the app: each half of the drafts is saved as drafts, then the app's
 * learning attempt runs on the model in use (the personal model), exactly as the Core runs it.
 */
async function learnFromDrafts(dataDir: string, draftsDir: string) {
  const files = fs
    .readdirSync(draftsDir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const core = new Core(dataDir, { idleLearning: false, fitBase: false });
  const attempts: { adopted: boolean; reason: string; steps: number; seconds: number; draftChars: number }[] = [];
  try {
    await core.call('settings.set', { activeModel: 'personal' });
    const half = Math.ceil(files.length / 2);
    let draftChars = 0;
    for (const part of [files.slice(0, half), files.slice(half)]) {
      for (const f of part) {
        const text = fs.readFileSync(path.join(draftsDir, f), 'utf8');
        draftChars += text.length;
        await core.call('drafts.save', { title: f.replace(/\.txt$/, ''), text });
      }
      const r = (await core.call('learn.now', { seconds: learnSeconds })) as {
        adopted?: boolean;
        reason?: string;
        skipped?: string;
        steps?: number;
        seconds?: number;
      };
      if (r.skipped) throw new Error(`learning was skipped: ${r.skipped}`);
      attempts.push({ adopted: !!r.adopted, reason: r.reason!, steps: r.steps!, seconds: r.seconds!, draftChars });
      console.log(
        `  learning from ${draftChars.toLocaleString('en-US')} characters of drafts: ${r.adopted ? 'adopted' : 'not adopted'}, ${r.reason} (${r.steps} steps, ${r.seconds!.toFixed(0)} s)`,
      );
    }
  } finally {
    await core.close();
  }
  return attempts;
}

const corpusDir = path.join(work, 'corpus');
if (!fs.existsSync(path.join(corpusDir, 'SOURCES.json')) || !fs.existsSync(path.join(corpusDir, 'drafts'))) {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'base-corpus.ts'), corpusDir], {
    stdio: 'inherit',
    cwd: ROOT,
  });
}

const results: {
  corpus: string;
  chars: number;
  rows: Row[];
  choice: string;
  learning: Awaited<ReturnType<typeof learnFromDrafts>>;
}[] = [];
for (const name of names) {
  const dataDir = path.join(work, `data-${name}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const imported = nib(dataDir, 'import', path.join(corpusDir, 'personal', name), '--corpus', name) as {
    chars: number;
  };
  const evalRows = (model: string) =>
    (
      nib(dataDir, 'eval', '--model', model, '--corpus', name, '--max-chars', maxChars) as {
        rows: (Row & { name: string })[];
      }
    ).rows;
  const base = evalRows('base');
  // The n-gram row comes from the personal model's evaluation: the same n-gram, at the bar measured for it.
  nib(
    dataDir,
    'train',
    '--corpus',
    name,
    '--model',
    'scratch',
    '--from',
    'scratch',
    '--preset',
    'medium',
    '--max-time',
    `${minutes}m`,
    '--eval-every',
    '100',
  );
  const scratch = evalRows('scratch');
  const trained = nib(dataDir, 'train', '--corpus', name, '--model', 'personal', '--max-time', `${minutes}m`) as {
    suggestSource?: { source: string; lambda: number };
  };
  const personal = evalRows('personal');
  const src = trained.suggestSource?.source ?? 'lstm';
  const pick = (rows: Row[], s: string) => rows[s === 'lstm' ? 0 : s === 'ngram' ? 1 : 2];
  const learning = await learnFromDrafts(dataDir, path.join(corpusDir, 'drafts', name));
  const learned = evalRows('personal');
  const rows: Row[] = [
    { ...personal[1], name: 'n-gram of the corpus' },
    { ...base[0], name: 'base model only (zero setup)' },
    { ...scratch[0], name: `from scratch, medium, ${minutes} min` },
    { ...personal[0], name: `personalised, ${minutes} min (LSTM)` },
    {
      ...pick(personal, src),
      name: `personalised, as it suggests (${src}${src === 'mix' ? `, λ ${trained.suggestSource!.lambda}` : ''})`,
    },
    {
      ...pick(learned, src),
      name: `+ learning from ${learning.at(-1)!.draftChars.toLocaleString('en-US')} chars of drafts (${learning.filter((a) => a.adopted).length}/${learning.length} adopted)`,
    },
  ];
  results.push({ corpus: name, chars: imported.chars, rows, choice: src, learning });
  console.log(`\n${name} (${imported.chars.toLocaleString('en-US')} characters):`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(56)} ${r.bitsPerChar.toFixed(3)} bits/char  bar ${r.threshold}  KSR ${(100 * r.ksr).toFixed(1)}%  precision ${(100 * r.precision).toFixed(1)}%  shown/100 ${r.shownPer100.toFixed(1)}  p95 ${r.latencyP95.toFixed(2)} ms`,
    );
  }
}
fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nresults: ${path.join(work, 'results.json')}`);
