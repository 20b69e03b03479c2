import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BASE_MODEL_DIR,
  BASE_NGRAM_FILE,
  BASE_WEIGHTS_FILE,
  installBaseModel,
  readBaseCard,
  shippedNgram,
  shippedSource,
} from '../src-main/services/base-model.ts';
import { pickSource, thresholdOf, type SourceChoice } from '../src-main/ml/source-choice.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { isSharedVocab, SHARED_UNK, SHARED_VOCAB, unknownShare } from '../src-main/ml/vocab.ts';
import { decodeArrays, encodeArrays, fromHalf, toHalf } from '../src-main/ml/weights.ts';
import { openDb } from '../src-main/store/db.ts';
import { createModel, getBaseModel, listModels } from '../src-main/store/models.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

const NIB = path.join(ROOT, 'bin', 'nib.js');
let dataDir: string;
let work: string;

function nib(...args: string[]) {
  const r = spawnSync(process.execPath, [NIB, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const json = (r: ReturnType<typeof nib>) => {
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out.trim().split('\n').at(-1)!);
};

before(() => {
  dataDir = tempDir('nib-personal-');
  work = tempDir('nib-personal-files-');
});

after(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the shared vocabulary', () => {
  test('covers printable ASCII, Latin-1 letters and typographic punctuation, with one unknown symbol last', () => {
    for (const ch of ['\n', '\t', ' ', 'a', 'Z', '~', 'é', 'ß', 'Ø', '£', '«', '“', '”', '‘', '’', '–', '—', '…'])
      assert.ok(SHARED_VOCAB.includes(ch), JSON.stringify(ch));
    for (const ch of ['─', '→', '中', '😀', '\u0007']) assert.ok(!SHARED_VOCAB.includes(ch), JSON.stringify(ch));
    assert.equal(new Set(SHARED_VOCAB).size, SHARED_VOCAB.length, 'no duplicates');
    assert.equal(SHARED_UNK, SHARED_VOCAB.length - 1);
  });

  test('characters outside it are read as the unknown symbol, and their share is counted', () => {
    const tok = new CharTokenizer([...SHARED_VOCAB], SHARED_UNK);
    assert.deepEqual(Array.from(tok.encode('a─b')), [tok.id('a'), SHARED_UNK, tok.id('b')]);
    const u = unknownShare(['ab─→', 'cd']);
    assert.equal(u.unknown, 2);
    assert.equal(u.total, 6);
  });
});

test('float16 storage: every value within half-precision rounding, specials kept', () => {
  for (const x of [0, 1, -1, 0.5, 65504, -65504, 2 ** -14, 2 ** -24]) assert.equal(fromHalf(toHalf(x)), x, String(x));
  assert.equal(fromHalf(toHalf(1e6)), Infinity);
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  const data = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 3);
  const back = decodeArrays(encodeArrays([{ name: 'w', shape: [5000], data }], null, { half: true })).arrays[0].data;
  for (let i = 0; i < data.length; i++)
    assert.ok(Math.abs(back[i] - data[i]) <= Math.abs(data[i]) * 2 ** -11 + 2 ** -25, `${data[i]} → ${back[i]}`);
});

test('picking the suggestion source: highest keystroke savings at precision ≥ 50%, precision breaking near-ties', () => {
  // The n-gram saves the most but is wrong more often than right: not chosen.
  assert.equal(
    pickSource([
      { source: 'lstm', ksr: 0.159, precision: 0.603, bitsPerChar: 1.7 },
      { source: 'ngram', ksr: 0.179, precision: 0.466, bitsPerChar: 1.9 },
      { source: 'mix', ksr: 0.15, precision: 0.62, bitsPerChar: 1.8 },
    ]),
    'lstm',
  );
  assert.equal(
    pickSource([
      { source: 'lstm', ksr: 0.1, precision: 0.5, bitsPerChar: 2 },
      { source: 'ngram', ksr: 0.14, precision: 0.5, bitsPerChar: 2.2 },
      { source: 'mix', ksr: 0.12, precision: 0.6, bitsPerChar: 1.9 },
    ]),
    'ngram',
  );
  assert.equal(
    pickSource([
      { source: 'lstm', ksr: 0.14, precision: 0.5, bitsPerChar: 2 },
      { source: 'ngram', ksr: 0.1, precision: 0.5, bitsPerChar: 2.2 },
      { source: 'mix', ksr: 0.138, precision: 0.6, bitsPerChar: 1.9 },
    ]),
    'mix',
  );
});

describe('the base model that ships with Nib', () => {
  test('resources/base-model holds a model over the shared vocabulary, installed once per data folder', () => {
    const card = readBaseCard();
    assert.ok(card, `no model.json in ${BASE_MODEL_DIR}`);
    const dir = tempDir('nib-base-');
    try {
      const db = openDb(dir);
      // A writer's own model named "base" keeps its name; the shipped one steps aside.
      createModel(db, { name: 'base', corpusId: null, corpusName: null, spec: { vocab: ['a'] } });
      assert.equal(installBaseModel(db), 'base (Nib)');
      assert.equal(installBaseModel(db), 'base (Nib)', 'a second call is a no-op');
      const base = getBaseModel(db)!;
      assert.equal(base.status, 'ready');
      assert.equal(base.origin, 'base');
      assert.ok(isSharedVocab(JSON.parse(base.spec).vocab));
      assert.equal(listModels(db).length, 2);
      // It suggests mixed with its n-gram, at the confidence bar measured for that on its own
      // held-out text; alone, it keeps the bar measured for it alone.
      assert.ok(card.suggest && card.suggest.precision >= 0.5, JSON.stringify(card.suggest));
      assert.ok(card.ngram && card.ngram.suggest.precision >= 0.5, JSON.stringify(card.ngram));
      const source = JSON.parse(base.suggest_source!) as SourceChoice;
      assert.equal(source.source, 'mix');
      assert.equal(source.corpus, null, 'its own n-gram, not a writer’s');
      assert.equal(source.threshold, card.ngram.suggest.threshold);
      assert.equal(source.lambda, card.ngram.lambda);
      assert.equal(thresholdOf(source, 'lstm'), card.suggest.threshold);
      // A data folder installed before the bar was measured gets it without reinstalling the weights.
      db.prepare('UPDATE models SET suggest_source = NULL WHERE id = ?').run(base.id);
      installBaseModel(db);
      assert.deepEqual(JSON.parse(getBaseModel(db)!.suggest_source!), source);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('its n-gram ships beside it and reads back as it was built; without it the base suggests alone', () => {
    const card = readBaseCard()!;
    const ngram = shippedNgram();
    assert.ok(ngram, `no ${BASE_NGRAM_FILE} in ${BASE_MODEL_DIR}`);
    assert.equal(ngram.order, card.ngram!.order);
    assert.equal(ngram.entries, card.ngram!.entries);
    assert.ok(isSharedVocab(ngram.vocab), 'over the base’s vocabulary, so they mix');
    // It knows the base's text: after "United States of Ameri", "c" (of America) above all.
    const tok = new CharTokenizer(ngram.vocab, null);
    const p = ngram.distribution(Array.from(tok.encode('States of Ameri')));
    assert.equal(ngram.vocab[p.indexOf(Math.max(...p))], 'c');

    const dir = tempDir('nib-base-dir-');
    try {
      for (const f of ['model.json', BASE_WEIGHTS_FILE])
        fs.copyFileSync(path.join(BASE_MODEL_DIR, f), path.join(dir, f));
      // A build that ships no n-gram: the base alone, at its own bar.
      const alone = shippedSource(dir)!;
      assert.equal(alone.source, 'lstm');
      assert.equal(alone.threshold, card.suggest!.threshold);
      assert.equal(shippedNgram(dir), null);
      // A damaged one is refused with a message (the ML host then suggests with the base alone).
      const d2 = tempDir('nib-base-dir-');
      for (const f of ['model.json', BASE_WEIGHTS_FILE])
        fs.copyFileSync(path.join(BASE_MODEL_DIR, f), path.join(d2, f));
      const full = fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_NGRAM_FILE));
      fs.writeFileSync(path.join(d2, BASE_NGRAM_FILE), full.subarray(0, full.length >> 1));
      const errors: string[] = [];
      const was = console.error;
      console.error = (m: string) => errors.push(m);
      try {
        assert.equal(shippedNgram(d2), null);
      } finally {
        console.error = was;
        fs.rmSync(d2, { recursive: true, force: true });
      }
      assert.match(errors.join('\n'), /cannot be read, so the base suggests alone/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a fresh install suggests with no setup: nib suggest with no --model uses the base', () => {
    const r = json(
      nib(
        'suggest',
        '--text',
        'We hold these truths to be self-evident, that all men are created equal. The United States of Ameri',
        '--json',
      ),
    );
    assert.equal(r.model, 'base');
    assert.equal(r.source, 'mix-base', 'the base with its own n-gram');
    assert.match(r.suggestion, /^ca/, `suggested ${JSON.stringify(r.suggestion)}`);
  });
});

describe('personalising: fine-tuning the base is how nib train starts a model', () => {
  test('nib import reports the share of characters outside the vocabulary', () => {
    fs.writeFileSync(
      path.join(work, 'box.txt'),
      'A table:\n┌──┐\n│ok│\n└──┘\n' + 'Plain words follow here. '.repeat(10),
    );
    const r = json(nib('import', path.join(work, 'box.txt'), '--corpus', 'box', '--json'));
    assert.ok(r.unknown.share > 0.03 && r.unknown.share < 0.1, String(r.unknown.share));
    assert.equal(r.unknown.top[0][0], '─');
    const text = nib('import', SHAKESPEARE, '--corpus', 'shakes');
    assert.equal(text.code, 0, text.err);
    assert.doesNotMatch(text.err, /outside Nib's vocabulary/, 'nothing to report for plain English');
  });

  test('by default a new model starts from the base: same architecture, its parent recorded, source measured', () => {
    const r = json(
      nib('train', '--corpus', 'shakes', '--model', 'mine', '--max-steps', '30', '--eval-every', '15', '--json'),
    );
    assert.equal(r.steps, 30);
    assert.ok(['lstm', 'ngram', 'mix'].includes(r.suggestSource.source), JSON.stringify(r.suggestSource));
    const models = json(nib('models', '--json')) as {
      name: string;
      parent: string | null;
      units: number[];
      origin: string;
      suggestSource: unknown;
    }[];
    const mine = models.find((m) => m.name === 'mine')!;
    const base = models.find((m) => m.origin === 'base')!;
    assert.equal(mine.parent, 'base');
    assert.deepEqual(mine.units, base.units);
    assert.deepEqual(mine.suggestSource, r.suggestSource);
    // The newest personal model now suggests, from the source measured for it.
    const s = json(nib('suggest', '--text', 'What say you, my lo', '--json'));
    assert.equal(s.model, 'mine');
    assert.equal(s.source, r.suggestSource.source);
    // Every source was measured at its own confidence bar; nib eval uses those bars unless given one.
    const bars = Object.fromEntries(
      r.suggestSource.measured.map((m: { source: string; threshold: number }) => [m.source, m.threshold]),
    );
    for (const b of Object.values(bars)) assert.ok(typeof b === 'number' && b > 0 && b < 1, JSON.stringify(bars));
    assert.equal(r.suggestSource.threshold, bars[r.suggestSource.source]);
    // Beside them, the shipped base alone on the same held-out text at its own bar (what personalising
    // gained): what `nib eval --model base` measures there.
    const baseEval = json(nib('eval', '--model', 'base', '--corpus', 'shakes', '--max-chars', '20000', '--json')) as {
      rows: { name: string; ksr: number; precision: number; threshold: number }[];
    };
    const asShipped = baseEval.rows.find((x) => /its n-gram .*as shipped/.test(x.name));
    assert.ok(asShipped, JSON.stringify(baseEval.rows.map((x) => x.name)));
    assert.deepEqual(
      [r.suggestSource.base.ksr, r.suggestSource.base.precision, r.suggestSource.base.threshold],
      [asShipped.ksr, asShipped.precision, asShipped.threshold],
    );
    const ev = json(nib('eval', '--model', 'mine', '--corpus', 'shakes', '--max-chars', '2000', '--json')) as {
      rows: { threshold: number }[];
    };
    assert.deepEqual(
      ev.rows.map((x) => x.threshold),
      [bars.lstm, bars.ngram, bars.mix],
    );
    const fixed = json(
      nib('eval', '--model', 'mine', '--corpus', 'shakes', '--max-chars', '2000', '--threshold', '0.45', '--json'),
    ) as { rows: { threshold: number }[] };
    assert.deepEqual(
      fixed.rows.map((x) => x.threshold),
      [0.45, 0.45, 0.45],
    );
    // As the app suggests, the text's own words revise every source (the document cache);
    // --no-cache measures without it, and the held-out text then scores differently.
    const plain = json(
      nib('eval', '--model', 'mine', '--corpus', 'shakes', '--max-chars', '2000', '--no-cache', '--json'),
    ) as { documentCache: boolean; rows: { bitsPerChar: number }[] };
    assert.equal((ev as unknown as { documentCache: boolean }).documentCache, true);
    assert.equal(plain.documentCache, false);
    assert.notEqual(
      plain.rows[0].bitsPerChar,
      (ev as unknown as { rows: { bitsPerChar: number }[] }).rows[0].bitsPerChar,
    );
  });

  test('--from scratch (or a size option) trains a new architecture; size options with --from base are refused', () => {
    const r = json(
      nib(
        'train',
        '--corpus',
        'shakes',
        '--model',
        'tiny',
        '--preset',
        'small',
        '--max-steps',
        '5',
        '--eval-every',
        '5',
        '--json',
      ),
    );
    assert.equal(r.steps, 5);
    const tiny = (json(nib('models', '--json')) as { name: string; parent: string | null; units: number[] }[]).find(
      (m) => m.name === 'tiny',
    )!;
    assert.equal(tiny.parent, null);
    assert.deepEqual(tiny.units, [128]);
    const bad = nib('train', '--corpus', 'shakes', '--model', 'x', '--from', 'base', '--units', '64');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /need --from scratch/);
  });
});
