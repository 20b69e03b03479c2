import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Rng } from '../src-main/ml/rng.ts';
import { DB_FILE } from '../src-main/store/db.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

const NIB = path.join(ROOT, 'bin', 'nib.js');
let dataDir: string;
let work: string;

function nib(...args: string[]) {
  const r = spawnSync(process.execPath, [NIB, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A user error: a non-zero exit, one line on stderr naming the problem, no stack trace. */
function assertUserError(r: ReturnType<typeof nib>, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
}

before(() => {
  dataDir = tempDir('nib-cli-');
  work = tempDir('nib-cli-files-');
  fs.writeFileSync(path.join(work, 'short.txt'), 'Short text.');
  fs.writeFileSync(path.join(work, 'bad.txt'), Buffer.from([0xc3, 0x28]));
});

after(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('nib CLI', () => {
  test('import caps the n-gram to the memory allowed, and says so', () => {
    const r = nib('import', SHAKESPEARE, '--corpus', 'capped', '--max-memory', '210MB', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { ngram: { order: number; limited: { maxOrder: number } } };
    assert.equal(j.ngram.limited.maxOrder, 5);
    assert.ok(j.ngram.order <= 5);
    const text = nib('import', path.join(work, 'short.txt'), '--corpus', 'capped', '--max-memory', '210MB');
    assert.match(
      text.err,
      /orders above 5 were left out, to stay within 210(\.0)? MB of memory \(raise it with --max-memory\)/,
    );
    assert.equal(nib('rm-corpus', 'capped').code, 0);
  });

  test('text far more varied than prose (random letters) gets fewer n-gram orders, not a crash, in a small JS heap', () => {
    // 400,000 random letters and spaces: nearly every context of orders 5–8 is new, some five times
    // prose's memory per character, which the estimate made from prose does not foresee. In a
    // process whose heap is 300 MB, counting all eight orders runs out of memory and V8 aborts
    // (it did before the build counted within its budget as it went, ml/ngram.ts countAll).
    const rng = new Rng(7);
    const letters = 'abcdefghijklmnopqrstuvwxyz     ';
    let noise = '';
    for (let i = 0; i < 400_000; i++) noise += letters[rng.int(letters.length)] + (i % 70 === 69 ? '\n' : '');
    const file = path.join(work, 'noise.txt');
    fs.writeFileSync(file, noise);
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=300', NIB, 'import', file, '--corpus', 'noise', '--data-dir', dataDir, '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr.slice(-2000)}`);
    const j = JSON.parse(r.stdout) as {
      imported: number;
      ngram: { order: number; limited?: { maxOrder: number; heap?: boolean } };
    };
    assert.equal(j.imported, 1);
    // The heap, not the memory allowed (half of this computer's), was what limited it.
    assert.ok(j.ngram.limited && j.ngram.limited.maxOrder < 8 && j.ngram.limited.heap, JSON.stringify(j.ngram));
    // Stored and usable: it suggests (nothing confident in noise, but an answer, not an error).
    const s = nib('suggest', '--corpus', 'noise', '--text', 'abc de', '--json');
    assert.equal(s.code, 0, s.err);
    assert.equal(nib('rm-corpus', 'noise').code, 0);
  });

  test('export and import-model go through the ML host (the CLI never loads tfjs), relative folders included', () => {
    const r = spawnSync(process.execPath, [NIB, 'export', 'base', 'exported', '--data-dir', dataDir, '--json'], {
      encoding: 'utf8',
      cwd: work,
    });
    assert.equal(r.status, 0, r.stderr);
    const files = JSON.parse(r.stdout).files as string[];
    assert.deepEqual(
      files.map((f) => path.relative(work, f)),
      ['exported/model.json', 'exported/group1-shard1of1.bin', 'exported/vocab.json'],
    );
    const m = spawnSync(
      process.execPath,
      [NIB, 'import-model', 'exported', '--name', 'copy', '--data-dir', dataDir, '--json'],
      { encoding: 'utf8', cwd: work },
    );
    assert.equal(m.status, 0, m.stderr);
    assert.deepEqual(JSON.parse(m.stdout).units, [256, 256]);
    assert.equal(JSON.parse(m.stdout).bestBitsPerChar, null, 'not measured without --corpus');
    // --corpus measures it on that corpus's held-out tails; a misspelt corpus is refused before
    // anything is imported.
    assert.equal(nib('import', SHAKESPEARE, '--corpus', 'plays').code, 0);
    assertUserError(
      nib('import-model', path.join(work, 'exported'), '--name', 'measured', '--corpus', 'plys'),
      3,
      /no corpus named "plys": nib corpora lists them/,
    );
    assert.doesNotMatch(nib('models').out, /measured/);
    const measured = nib('import-model', path.join(work, 'exported'), '--name', 'measured', '--corpus', 'plays');
    assert.equal(measured.code, 0, measured.err);
    const bits = Number(measured.out.match(/(\d\.\d{3}) bits\/char on the held-out text of corpus "plays"/)?.[1]);
    assert.ok(bits > 1 && bits < 6, measured.out);
    assert.match(nib('models').out, new RegExp(`${bits.toFixed(3)} \\(on plays\\)`));
    assert.equal(nib('rm-model', 'measured').code, 0);
    // A corpus too short to hold text out: the model is imported all the same, and the line says
    // why it was not measured and what to do (the app's Models view says the same in its words).
    fs.writeFileSync(path.join(work, 'tiny.txt'), 'A short note, far too short to hold any text out of it.');
    assert.equal(nib('import', path.join(work, 'tiny.txt'), '--corpus', 'tiny').code, 0);
    const short = nib('import-model', path.join(work, 'exported'), '--name', 'short', '--corpus', 'tiny');
    assert.equal(short.code, 0, short.err);
    assert.match(
      short.out,
      /Imported model "short".*Not measured: cannot measure model "short" on corpus "tiny": .*nib import/,
    );
    assert.equal(nib('rm-model', 'short').code, 0);
    assert.equal(nib('rm-corpus', 'tiny').code, 0);
    assert.equal(nib('rm-corpus', 'plays').code, 0);
    assertUserError(nib('import-model', path.join(work, 'nothing-here'), '--name', 'x'), 3, /model\.json not found/);
    assertUserError(nib('export', 'no-such-model', path.join(work, 'x')), 3, /no model named "no-such-model"/);
    assert.equal(nib('rm-model', 'copy').code, 0, 'removed again, so later tests see only their own models');
  });

  test('import prints one summary line and --json gives the per-file outcomes', () => {
    const r = nib('import', SHAKESPEARE, path.join(work, 'bad.txt'), '--corpus', 'shakes');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), '1 imported, 1 skipped (1 invalid-encoding), 299,868 characters into corpus "shakes"');
    assert.match(r.err, /^n-gram model: order \d, \d\.\d{3} bits\/char on held-out text, built in [\d.]+ s/m);
    // Suggestions work from the first minute, before any LSTM exists.
    const s = JSON.parse(
      nib('suggest', '--corpus', 'shakes', '--text', 'What say yo', '--threshold', '0.05', '--json').out,
    );
    assert.match(s.suggestion, /^u/);
    const j = JSON.parse(nib('import', SHAKESPEARE, '--corpus', 'shakes', '--json').out);
    assert.deepEqual(j.skipped, { duplicate: 1 });
    const list = JSON.parse(nib('corpora', '--json').out);
    assert.deepEqual(
      list.map((c: { name: string; documents: number }) => [c.name, c.documents]),
      [['shakes', 1]],
    );
  });

  test('bad input: one clear line and a non-zero exit each', () => {
    assertUserError(nib('generate', '--model', 'nope', '--prompt', 'x'), 3, /no model named "nope"/);
    assertUserError(nib('train', '--corpus', 'nope', '--model', 'm'), 3, /no corpus named "nope"/);
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--batch', '0'),
      2,
      /--batch must be between 1 and 4096, got "0"/,
    );
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--lr', '-1'),
      2,
      /--lr must be more than 0 and at most 10, got "-1"/,
    );
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--seq-len', '1.5'),
      2,
      /--seq-len must be a whole number, got "1.5"/,
    );
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--max-time', 'soon'),
      2,
      /--max-time must be a duration such as 90s/,
    );
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--preset', 'huge'),
      2,
      /--preset must be one of small, medium, large/,
    );
    assertUserError(
      nib('train', '--corpus', 'shakes', '--model', 'm', '--max-time', '5m5m'),
      2,
      /--max-time must be a duration such as 90s, 5m or 1h30m, got "5m5m"/,
    );
    assertUserError(nib('train', '--corpus', 'shakes', '--model', 'base'), 4, /it is the shipped base model/);
    assertUserError(nib('train', '--corpus', 'shakes'), 2, /needs --model NAME/);
    assertUserError(nib('train', '--corpus', 'shakes', '--model', 'm', '--bogus', '1'), 2, /Unknown option '--bogus'/);
    assertUserError(nib('rm-doc', 'abc'), 2, /the document ID must be a number, got "abc"/);
    // Digits only: "0x1" is not document 1. A word too many is refused, never ignored (an unquoted
    // "my novel" must not delete the corpus "my"), and nothing is deleted.
    assertUserError(nib('rm-doc', '0x1'), 2, /the document ID must be a number, got "0x1"/);
    assertUserError(
      nib('rm-corpus', 'shakes', 'extra'),
      2,
      /takes one argument, got 2: "extra" is too many \(usage: nib rm-corpus NAME\); quote a name with spaces/,
    );
    assertUserError(nib('rm-model', 'base', 'x'), 2, /takes one argument, got 2/);
    assertUserError(nib('corpora', 'shakes'), 2, /takes no arguments, only options: "shakes" is one too many/);
    assert.match(nib('corpora').out, /shakes/, 'the corpus is still there');
    // The contract's ranges, named by the flag in every command (not only train's).
    assertUserError(
      nib('suggest', '--text', 'x', '--max-words', '0', '--corpus', 'shakes'),
      2,
      /--max-words must be between 1 and 50, got "0"/,
    );
    assertUserError(
      nib('eval', '--model', 'base', '--corpus', 'shakes', '--max-chars-suggestion', '5000'),
      2,
      /--max-chars-suggestion must be between 1 and 1000, got "5000"/,
    );
    assertUserError(
      nib('generate', '--model', 'base', '--top-p', '0'),
      2,
      /--top-p must be more than 0 and at most 1, got "0"/,
    );
    assertUserError(nib('frobnicate'), 2, /unknown command "frobnicate"/);
    assert.equal(nib('import', path.join(work, 'short.txt'), '--corpus', 'short').code, 0);
    assertUserError(
      nib('train', '--corpus', 'short', '--model', 'm', '--seq-len', '32'),
      4,
      /corpus is too short: 11 characters/,
    );
    assert.equal(nib('import', path.join(work, 'bad.txt'), '--corpus', 'empty').code, 4);
    // An import that adds nothing leaves no empty corpus behind.
    assertUserError(
      nib('train', '--corpus', 'empty', '--model', 'm'),
      3,
      /no corpus named "empty": nib corpora lists them/,
    );
  });

  test('a training process killed with SIGKILL leaves a sound database, and --resume continues from its checkpoint', async () => {
    const args = [
      'train',
      '--corpus',
      'shakes',
      '--model',
      'killed',
      '--layers',
      '1',
      '--units',
      '32',
      '--embedding',
      '8',
      '--seq-len',
      '16',
      '--batch',
      '8',
      '--checkpoint-every',
      '0.2s',
      '--eval-every',
      '1000000',
      '--data-dir',
      dataDir,
    ];
    const cli = spawn(process.execPath, [NIB, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    cli.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((res) => cli.on('close', res));
    const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
    let victim: { pid: number; step: number } | undefined;
    const t0 = Date.now();
    // Wait for a written checkpoint, then kill the training process itself (not the CLI).
    while (!victim && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      victim = db
        .prepare(
          `SELECT r.pid, c.step FROM training_runs r JOIN models m ON m.id = r.model_id JOIN checkpoints c ON c.model_id = m.id AND c.kind = 'latest'
           WHERE m.name = 'killed' AND r.status = 'running' AND c.step > 0`,
        )
        .get() as { pid: number; step: number } | undefined;
    }
    assert.ok(victim, `no checkpoint appeared: ${stderr}`);
    await new Promise((r) => setTimeout(r, 300)); // let it train on past the checkpoint
    process.kill(victim.pid, 'SIGKILL');
    const code = await closed;
    db.close();
    assert.notEqual(code, 0);
    assert.match(stderr, /the ML process was killed \(SIGKILL\)/);

    const check = new Database(path.join(dataDir, DB_FILE));
    assert.equal((check.pragma('integrity_check') as { integrity_check: string }[])[0].integrity_check, 'ok');
    const saved = check
      .prepare(
        `SELECT c.step FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE m.name = 'killed' AND c.kind = 'latest'`,
      )
      .get() as { step: number };
    check.close();
    assert.ok(saved.step >= victim.step);

    const models = JSON.parse(nib('models', '--json').out) as { name: string; status: string }[];
    assert.equal(models.find((m) => m.name === 'killed')!.status, 'interrupted');

    const resumed = nib('train', '--resume', 'killed', '--max-steps', String(saved.step + 5), '--json');
    assert.equal(resumed.code, 0, resumed.err);
    const lines = resumed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].type, 'start');
    assert.equal(lines[0].resumedFromStep, saved.step);
    assert.equal(lines.at(-1).steps, saved.step + 5);
  });

  test('Ctrl+C stops training after writing a checkpoint, and the run is recorded as cancelled', async () => {
    const args = [
      'train',
      '--corpus',
      'shakes',
      '--model',
      'interrupted',
      '--layers',
      '1',
      '--units',
      '32',
      '--embedding',
      '8',
      '--seq-len',
      '16',
      '--batch',
      '8',
      '--eval-every',
      '1000000',
      '--json',
      '--data-dir',
      dataDir,
    ];
    const cli = spawn(process.execPath, [NIB, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cli.stderr.on('data', (d) => (err += d));
    const progressed = new Promise<void>((res) =>
      cli.stdout.on('data', (d) => ((out += d), /"type":"progress"/.test(out) && res())),
    );
    const closed = new Promise<number | null>((res) => cli.on('close', res));
    await progressed;
    cli.kill('SIGINT'); // as a terminal's Ctrl+C reaches the CLI
    assert.equal(await closed, 130, err);
    assert.match(err, /Stopping: writing a checkpoint/);
    const last = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.equal(last.reason, 'cancelled');
    assert.ok(last.steps > 0);
    const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
    const row = db
      .prepare(
        `SELECT c.step, r.status FROM checkpoints c JOIN models m ON m.id = c.model_id JOIN training_runs r ON r.model_id = m.id WHERE m.name = 'interrupted' AND c.kind = 'latest'`,
      )
      .get() as { step: number; status: string };
    db.close();
    assert.deepEqual(row, { step: last.steps, status: 'cancelled' });
  });

  test('generate is reproducible with a seed, and suggest answers with probability and latency', () => {
    assert.equal(
      nib(
        'train',
        '--corpus',
        'shakes',
        '--model',
        'gen',
        '--layers',
        '1',
        '--units',
        '32',
        '--embedding',
        '8',
        '--seq-len',
        '16',
        '--batch',
        '8',
        '--max-steps',
        '30',
      ).code,
      0,
    );
    const a = nib('generate', '--model', 'gen', '--prompt', 'KING:', '--length', '40', '--seed', '5');
    const b = nib('generate', '--model', 'gen', '--prompt', 'KING:', '--length', '40', '--seed', '5');
    const c = nib('generate', '--model', 'gen', '--prompt', 'KING:', '--length', '40', '--seed', '6');
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, b.out);
    assert.notEqual(a.out, c.out);
    assert.ok(a.out.startsWith('KING:') && Array.from(a.out.trimEnd()).length <= 45);
    const s = JSON.parse(
      nib('suggest', '--model', 'gen', '--text', 'the ', '--threshold', '0', '--max-words', '1', '--json').out,
    );
    assert.equal(typeof s.suggestion, 'string');
    assert.ok(s.suggestion.length > 0 && !s.suggestion.includes('\n'));
    assert.ok(s.probability > 0 && s.probability <= 1 && s.latencyMs >= 0);
    const info = nib('info');
    const kernelBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'nib_kernel.node'));
    assert.match(info.out, kernelBuilt ? /Backend: Nib's fused LSTM kernel/ : /Backend: tfjs-backend-wasm/);
    for (const b of ['gpu', 'node', 'kernel', 'wasm', 'cpu']) assert.match(info.out, new RegExp(`^  ${b} +\\S`, 'm'));
    assert.match(
      info.out,
      /^WebGPU: (not installed|no WebGPU adapter|failed to load|.+\(maxStorageBufferBindingSize)/m,
    );
    assert.match(info.out, /gpu +not installed/);
    const forced = spawnSync(process.execPath, [NIB, 'info', '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, NIB_BACKEND: 'wasm' },
    });
    assert.match(forced.stdout, /Backend: tfjs-backend-wasm \(WebAssembly SIMD, CPU\) \(forced by NIB_BACKEND\)/);
    assert.match(forced.stdout, /kernel +skipped: NIB_BACKEND=wasm/);
  });
});

describe('the nib command runs from anywhere', () => {
  test('bin/nib.js from another working directory, and the bundle (no TypeScript loader) from another one too', () => {
    const elsewhere = tempDir('nib-elsewhere-');
    try {
      const viaBin = spawnSync(process.execPath, [NIB, 'info', '--data-dir', dataDir, '--json'], {
        cwd: elsewhere,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(viaBin.status, 0, viaBin.stderr);
      assert.equal(JSON.parse(viaBin.stdout).dataDir, dataDir);
      // The bundle `npm run build` writes (npm test builds first): plain Node, no tsx on the way.
      const bundle = path.join(ROOT, 'dist', 'app', 'nib.mjs');
      assert.ok(fs.existsSync(bundle), 'npm run build writes dist/app/nib.mjs');
      const viaBundle = spawnSync(process.execPath, [bundle, 'info', '--data-dir', dataDir, '--json'], {
        cwd: elsewhere,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(viaBundle.status, 0, viaBundle.stderr);
      assert.equal(JSON.parse(viaBundle.stdout).dataDir, dataDir);
      const suggested = spawnSync(
        process.execPath,
        [bundle, 'suggest', '--text', 'Thank you for your lett', '--data-dir', dataDir, '--json'],
        { cwd: elsewhere, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(suggested.status, 0, suggested.stderr);
      assert.equal(typeof JSON.parse(suggested.stdout).suggestion, 'string');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('the built nib command needs only production dependencies', () => {
  test('dist/app with the production dependencies alone (no tsx, no devDependencies): info, import, train, suggest', () => {
    // The production closure, as npm sees it; each top-level package linked into a bare folder
    // (Node is told to keep the links, so a package finds its own dependencies there too).
    const ls = spawnSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: ROOT, encoding: 'utf8' });
    const top = ls.stdout
      .trim()
      .split('\n')
      .map((p) => path.relative(path.join(ROOT, 'node_modules'), p))
      .filter((r) => r && !r.startsWith('..') && !r.includes(`${path.sep}node_modules${path.sep}`))
      .filter((r) => (r.startsWith('@') ? r.split(path.sep).length === 2 : !r.includes(path.sep)))
      // valibot's optional peer (its types); npm lists it, nothing loads it.
      .filter((r) => r !== 'typescript');
    assert.ok(top.includes('better-sqlite3') && top.includes('@tensorflow/tfjs'), top.join(', '));
    assert.ok(!top.includes('tsx') && !top.includes('esbuild') && !top.includes('vite'), top.join(', '));
    const app = tempDir('nib-prod-');
    try {
      fs.cpSync(path.join(ROOT, 'dist', 'app'), path.join(app, 'dist', 'app'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
      for (const dir of ['native', 'resources']) fs.symlinkSync(path.join(ROOT, dir), path.join(app, dir));
      for (const r of top) {
        fs.mkdirSync(path.dirname(path.join(app, 'node_modules', r)), { recursive: true });
        fs.symlinkSync(path.join(ROOT, 'node_modules', r), path.join(app, 'node_modules', r));
      }
      const data = path.join(app, 'data');
      const run = (...args: string[]) =>
        spawnSync(
          process.execPath,
          ['--preserve-symlinks', path.join(app, 'dist', 'app', 'nib.mjs'), ...args, '--data-dir', data],
          {
            cwd: app,
            encoding: 'utf8',
            timeout: 120_000,
            env: { ...process.env, NODE_OPTIONS: '' },
          },
        );
      const info = run('info');
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /Backend: /);
      const imp = run('import', SHAKESPEARE, '--corpus', 'plays');
      assert.equal(imp.status, 0, imp.stderr);
      const tiny = [
        '--from',
        'scratch',
        '--layers',
        '1',
        '--units',
        '8',
        '--embedding',
        '4',
        '--seq-len',
        '16',
        '--batch',
        '4',
      ];
      const trained = run('train', '--corpus', 'plays', '--model', 'm', ...tiny, '--max-steps', '5', '--json');
      assert.equal(trained.status, 0, trained.stderr);
      assert.equal(JSON.parse(trained.stdout.trim().split('\n').at(-1)!).steps, 5);
      const s = run('suggest', '--model', 'm', '--text', 'KING ', '--json');
      assert.equal(s.status, 0, s.stderr);
      assert.equal(typeof JSON.parse(s.stdout).suggestion, 'string');
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});

test('an import whose n-gram cannot be built in the memory allowed keeps its documents, says so and succeeds', () => {
  fs.writeFileSync(path.join(work, 'memo.txt'), 'A memo to keep, whatever the n-gram does.');
  const r = nib('import', path.join(work, 'memo.txt'), '--corpus', 'memos', '--max-memory', '1');
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /n-gram model not built: the corpus is too large for an n-gram model .* raise the limit with --max-memory/,
  );
  assert.match(r.out, /1 imported, 0 skipped \(none\), 41 characters into corpus "memos"/);
  assert.match(nib('docs', '--corpus', 'memos').out, /memo\.txt/);
});

test('export into a file, or under /proc, and eval of a folder or a FIFO are refused at once, with what to give instead', () => {
  const file = path.join(work, 'short.txt');
  assertUserError(
    nib('export', 'base', file),
    2,
    /cannot write the model into .*short\.txt: it is a file, not a folder/,
  );
  if (process.platform === 'linux') {
    assertUserError(nib('export', 'base', '/proc/nib-export'), 2, /it is inside \/proc, the kernel's own files/);
    const fifo = path.join(work, 'fifo.txt');
    spawnSync('mkfifo', [fifo]);
    assertUserError(nib('eval', '--model', 'base', '--file', fifo), 2, /is not a regular file \(a pipe or a device\)/);
  }
  assertUserError(nib('eval', '--model', 'base', '--file', work), 2, /is a folder: give one text file/);
});
