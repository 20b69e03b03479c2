import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Rng } from '../src-main/ml/rng.ts';
import { encodeArrays } from '../src-main/ml/weights.ts';
import { DB_FILE, integrityCheck, openDb } from '../src-main/store/db.ts';
import { createModel, getModel, loadCheckpoint, saveCheckpoints } from '../src-main/store/models.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

/**
 * The trust suite's process-level cases: what a crash, a closed terminal or a second trainer does
 * to a model and its data folder. Every case runs real `nib` processes on a real SQLite file.
 */
const NIB = path.join(ROOT, 'bin', 'nib.js');
let dataDir: string;

const nib = (...args: string[]) => {
  const r = spawnSync(process.execPath, [NIB, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Starts `nib` in its own process group (as a terminal would) and resolves when it prints `ready`. */
function start(args: string[], ready: RegExp) {
  const child = spawn(process.execPath, [NIB, ...args, '--data-dir', dataDir], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const seen = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (ready.test(out)) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    child.on('exit', () => {
      clearInterval(t);
      // It may print what was awaited and exit between two polls.
      if (ready.test(out)) resolve();
      else reject(new Error(`exited before ${ready}: ${out}`));
    });
  });
  const exit = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out })),
  );
  return { child, seen, exit };
}

const SMALL = [
  '--from',
  'scratch',
  '--layers',
  '1',
  '--units',
  '32',
  '--embedding',
  '8',
  '--seq-len',
  '32',
  '--batch',
  '8',
];

before(() => {
  dataDir = tempDir('nib-trust-');
  const file = path.join(dataDir, '..', `trust-corpus-${process.pid}.txt`);
  fs.writeFileSync(file, fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 60_000));
  const r = nib('import', file, '--corpus', 'plays');
  fs.rmSync(file);
  assert.equal(r.code, 0, r.err);
});

after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('what is promised of a data folder', () => {
  test(
    "the folder is the owner's alone (0700) and the database file 0600",
    { skip: process.platform === 'win32' ? 'POSIX modes' : false },
    () => {
      assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(dataDir, DB_FILE)).mode & 0o777, 0o600);
      // A folder made beforehand by someone else's rules (0755), as --data-dir may name: Nib's
      // database in it makes it the owner's alone. (mkdtemp's folders are 0700 already.)
      const open = tempDir('nib-mode-');
      const chosen = path.join(open, 'writing');
      fs.mkdirSync(chosen, { mode: 0o755 });
      fs.chmodSync(chosen, 0o755);
      try {
        assert.equal(spawnSync(process.execPath, [NIB, 'corpora', '--data-dir', chosen]).status, 0);
        assert.equal(fs.statSync(chosen).mode & 0o777, 0o700);
        assert.equal(fs.statSync(path.join(chosen, DB_FILE)).mode & 0o777, 0o600);
        // A database file loosened later (a copy, a restore from backup) is private again once opened.
        fs.chmodSync(path.join(chosen, DB_FILE), 0o644);
        assert.equal(spawnSync(process.execPath, [NIB, 'corpora', '--data-dir', chosen]).status, 0);
        for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`].filter((f) =>
          fs.existsSync(path.join(chosen, f)),
        ))
          assert.equal(fs.statSync(path.join(chosen, f)).mode & 0o777, 0o600, f);
      } finally {
        fs.rmSync(open, { recursive: true, force: true });
      }
    },
  );

  test('a "best" checkpoint never gets worse than the best already recorded', () => {
    const dir = tempDir('nib-best-');
    try {
      const db = openDb(dir);
      const m = createModel(db, { name: 'm', corpusId: null, corpusName: null, spec: {} });
      const w = (x: number) => encodeArrays([{ name: 'w', shape: [1], data: Float32Array.of(x) }]);
      const best = (step: number, valLoss: number) =>
        saveCheckpoints(db, m.id, [{ kind: 'best', step, valLoss, weights: w(step), optimizer: null, trainer: null }], {
          steps: step,
          trainSeconds: 1,
          bestValLoss: valLoss,
        });
      best(2050, 2.2232);
      best(550, 2.5165); // what a resume from an older 'latest' checkpoint used to write
      assert.equal(loadCheckpoint(db, m.id, 'best')!.step, 2050);
      assert.equal(getModel(db, 'm')!.best_val_loss, 2.2232);
      best(2600, 2.1);
      assert.equal(loadCheckpoint(db, m.id, 'best')!.step, 2600);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unusable data folders', () => {
  test('a file, random bytes, a truncated database or one from a newer Nib: exit 4 with what is wrong, no stack trace', () => {
    const base = tempDir('nib-unusable-');
    try {
      const cases: [string, () => void, RegExp][] = [
        ['a-file', () => fs.writeFileSync(path.join(base, 'a-file'), 'hello'), /is a file, not a folder/],
        [
          'random',
          () => (
            fs.mkdirSync(path.join(base, 'random')),
            fs.writeFileSync(path.join(base, 'random', DB_FILE), Buffer.alloc(8192, 0x5a))
          ),
          /not a readable Nib database/,
        ],
        [
          'truncated',
          () => {
            const good = openDb(path.join(base, 'truncated'));
            good.close();
            const f = path.join(base, 'truncated', DB_FILE);
            fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 1000));
          },
          /not a readable Nib database/,
        ],
        [
          'newer',
          () => {
            const d = new Database((fs.mkdirSync(path.join(base, 'newer')), path.join(base, 'newer', DB_FILE)));
            d.pragma('user_version = 99');
            d.close();
          },
          /written by a newer Nib \(schema 99/,
        ],
      ];
      for (const [name, make, why] of cases) {
        make();
        for (const cmd of [['corpora'], ['suggest', '--text', 'Hello']]) {
          const r = spawnSync(process.execPath, [NIB, ...cmd, '--data-dir', path.join(base, name)], {
            encoding: 'utf8',
            timeout: 60_000,
          });
          assert.equal(r.status, 4, `${name} ${cmd[0]}: ${r.stderr}`);
          assert.match(r.stderr, why);
          assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
        }
      }
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('damage inside a usable data folder', () => {
  test('damaged weights get a clear data error (exit 4); an error nobody worded prints one line, its stack only with NIB_DEBUG', () => {
    const dir = tempDir('nib-damaged-');
    const nib = (...args: string[]) =>
      spawnSync(process.execPath, [NIB, ...args, '--data-dir', dir], { encoding: 'utf8', timeout: 120_000 });
    try {
      assert.equal(nib('import', SHAKESPEARE, '--corpus', 'plays').status, 0);
      const tiny = ['--from', 'scratch', '--layers', '1', '--units', '8', '--embedding', '4', '--seq-len', '16'];
      assert.equal(
        nib('train', '--corpus', 'plays', '--model', 'm', ...tiny, '--batch', '4', '--max-steps', '3').status,
        0,
      );
      const db = new Database(path.join(dir, DB_FILE));
      const saved = db.prepare(`SELECT model_id, kind, weights FROM checkpoints`).all() as {
        model_id: number;
        kind: string;
        weights: Buffer;
      }[];
      db.prepare(`UPDATE checkpoints SET weights = x'01020304'`).run();
      db.close();
      const damaged = nib('generate', '--model', 'm', '--prompt', 'a');
      assert.equal(damaged.status, 4, damaged.stderr);
      assert.match(damaged.stderr, /the saved weights of model "m" are damaged .*: delete it \(nib rm-model m\)/);
      assert.doesNotMatch(damaged.stderr, /\n\s+at /);
      // A spec no Nib wrote: the ML host fails in a way nobody worded (a JSON parse error).
      const db2 = new Database(path.join(dir, DB_FILE));
      for (const c of saved)
        db2
          .prepare(`UPDATE checkpoints SET weights = ? WHERE model_id = ? AND kind = ?`)
          .run(c.weights, c.model_id, c.kind);
      db2.prepare(`UPDATE models SET spec = '{' WHERE name = 'm'`).run();
      db2.close();
      const internal = nib('generate', '--model', 'm', '--prompt', 'a');
      assert.equal(internal.status, 1, internal.stderr);
      assert.equal(internal.stderr.trim().split('\n').length, 1, internal.stderr);
      assert.match(internal.stderr, /unexpected error: .*JSON.*\(set NIB_DEBUG=1 for details\)/);
      const debug = spawnSync(process.execPath, [NIB, 'generate', '--model', 'm', '--prompt', 'a', '--data-dir', dir], {
        encoding: 'utf8',
        env: { ...process.env, NIB_DEBUG: '1' },
      });
      assert.match(debug.stderr, /\n\s+at /, 'the stack, on request');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('imports', () => {
  test(
    'hostile files: symbolic-link cycles are walked once, a FIFO is passed over with its reason, large HTML imports in linear time',
    { skip: process.platform === 'win32' ? 'POSIX FIFOs and links' : false },
    () => {
      const d = path.join(dataDir, '..', `trust-hostile-${process.pid}`);
      fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
      try {
        fs.writeFileSync(path.join(d, 'sub', 'real.txt'), 'A real document, found once. '.repeat(20));
        fs.symlinkSync('.', path.join(d, 'loop1'));
        fs.symlinkSync('..', path.join(d, 'sub', 'up'));
        spawnSync('mkfifo', [path.join(d, 'pipe.txt')]);
        // 2.7 MB of paragraphs: quadratic extraction once took minutes here.
        fs.writeFileSync(
          path.join(d, 'big.html'),
          '<html><body>' + '<p>Plain words in a paragraph of a big page.</p>'.repeat(60_000) + '</body></html>',
        );
        const r = spawnSync(
          process.execPath,
          [NIB, 'import', d, '--corpus', 'hostile', '--data-dir', dataDir, '--json'],
          { encoding: 'utf8', timeout: 90_000 },
        );
        assert.equal(r.signal, null, 'the import hung');
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
          imported: number;
          files: { path: string; status: string; reason?: string }[];
        };
        assert.equal(out.imported, 2, JSON.stringify(out.files));
        assert.match(out.files.find((f) => f.path.endsWith('pipe.txt'))?.reason ?? '', /not a regular file/);
        // Only a FIFO: a clear refusal, and no empty corpus left behind.
        const onlyPipe = spawnSync(
          process.execPath,
          [NIB, 'import', path.join(d, 'pipe.txt'), '--corpus', 'pipes', '--data-dir', dataDir],
          { encoding: 'utf8', timeout: 30_000 },
        );
        assert.equal(onlyPipe.status, 4);
        assert.match(onlyPipe.stderr, /nothing to import: .*pipe\.txt: not a regular file/);
        const list = JSON.parse(nib('corpora', '--json').out) as { name: string }[];
        assert.ok(!list.some((c) => c.name === 'pipes'));
      } finally {
        fs.rmSync(d, { recursive: true, force: true });
      }
    },
  );

  test('two imports at once into one data folder both finish, every file in (300 each; the duplicate check and the insert share an IMMEDIATE transaction)', async () => {
    const dirs = ['a', 'b'].map((k) => {
      const d = path.join(dataDir, '..', `trust-import-${k}-${process.pid}`);
      fs.mkdirSync(d, { recursive: true });
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(d, `${k}-${i}.txt`), `Letter ${k}${i}. `.repeat(40 + i));
      return d;
    });
    try {
      const runs = dirs.map((d, i) => start(['import', d, '--corpus', `together-${i}`], /$/));
      const results = await Promise.all(runs.map((r) => r.exit));
      for (const r of results) assert.equal(r.code, 0, r.out);
      const db = openDb(dataDir);
      for (const i of [0, 1]) {
        const n = (
          db
            .prepare('SELECT COUNT(*) n FROM documents d JOIN corpora c ON c.id = d.corpus_id WHERE c.name = ?')
            .get(`together-${i}`) as { n: number }
        ).n;
        assert.equal(n, 300);
      }
      assert.equal(integrityCheck(db), 'ok');
      db.close();
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('imports killed again and again', () => {
  test('SIGKILL at points through an import, five times: never half a document, integrity ok, and the next import completes the rest', async () => {
    const folder = tempDir('nib-killed-import-');
    try {
      const text = fs.readFileSync(SHAKESPEARE, 'utf8');
      const files = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const start = (i * 1931) % (text.length - 20_000);
        const body = `File ${i}.\n${text.slice(start, start + 4_000 + ((i * 577) % 12_000))}`;
        files.set(`part-${String(i).padStart(3, '0')}.txt`, body);
        fs.writeFileSync(path.join(folder, `part-${String(i).padStart(3, '0')}.txt`), body);
      }
      const check = () => {
        const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
        try {
          assert.equal(
            (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
            'ok',
          );
          const docs = db
            .prepare(
              "SELECT d.name, d.text FROM documents d JOIN corpora c ON c.id = d.corpus_id WHERE c.name = 'killed'",
            )
            .all() as { name: string; text: string }[];
          // Every document that exists is whole: exactly its file's text.
          for (const d of docs) assert.equal(d.text, files.get(d.name), `${d.name} is whole`);
          return docs.length;
        } finally {
          db.close();
        }
      };
      let before = 0;
      for (let round = 0; round < 5; round++) {
        const run = start(['import', folder, '--corpus', 'killed'], /imported/);
        await run.seen.catch(() => {});
        // Soon after the first file is in: mid-import, or in the n-gram build that follows it.
        await new Promise((r) => setTimeout(r, (round * 47) % 200));
        try {
          process.kill(-run.child.pid!, 'SIGKILL');
        } catch {
          // It finished first: fine, the checks below still hold.
        }
        await run.exit;
        const now = check();
        assert.ok(now >= before, 'nothing imported is lost');
        before = now;
      }
      const rest = nib('import', folder, '--corpus', 'killed', '--json');
      assert.equal(rest.code, 0, rest.err);
      assert.equal(check(), 300, 'every file exactly once');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('names', () => {
  test(
    'a name with a direction override is refused; file names with line breaks or overrides are shown escaped, one document per line',
    { skip: process.platform === 'win32' ? 'such file names' : false },
    () => {
      const r = nib('import', SHAKESPEARE, '--corpus', 'notes\u202Etxt.exe');
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--corpus contains invisible characters that reorder or break text/);
      assert.doesNotMatch(r.err, /\u202E/, 'the refused name is echoed escaped, never raw');
      const folder = tempDir('nib-names-');
      try {
        fs.writeFileSync(path.join(folder, 'two\nlines.txt'), 'A file whose name has a line break in it. '.repeat(20));
        // Shown raw, "report\u202Egnp.txt" reads as "reporttxt.png".
        fs.writeFileSync(
          path.join(folder, 'report\u202Egnp.txt'),
          'A file whose name reads backwards after the override. '.repeat(20),
        );
        const imp = nib('import', folder, '--corpus', 'odd names');
        assert.equal(imp.code, 0, imp.err);
        assert.doesNotMatch(imp.err, /\u202E/, 'the override is never written raw');
        assert.match(imp.err, /two\\nlines\.txt/);
        const docs = nib('docs', '--corpus', 'odd names');
        assert.equal(docs.code, 0, docs.err);
        const lines = docs.out.trim().split('\n');
        assert.equal(lines.length, 3, docs.out);
        assert.match(docs.out, /report\\u202egnp\.txt/);
        assert.doesNotMatch(docs.out, /\u202E/);
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    },
  );
});

describe('training processes', () => {
  test('SIGKILL of the training process three times at random points: integrity, resume from its checkpoint, best never worse', async () => {
    const rng = new Rng(7);
    const state = () => {
      const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
      try {
        return {
          integrity: (db.pragma('integrity_check') as { integrity_check: string }[])[0].integrity_check,
          run: db
            .prepare(
              `SELECT r.pid FROM training_runs r JOIN models m ON m.id = r.model_id WHERE m.name = 'looped' AND r.status = 'running'`,
            )
            .get() as { pid: number } | undefined,
          latest: (
            db
              .prepare(
                `SELECT c.step FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE m.name = 'looped' AND c.kind = 'latest'`,
              )
              .get() as { step: number } | undefined
          )?.step,
          best: (
            db.prepare(`SELECT best_val_loss FROM models WHERE name = 'looped'`).get() as
              { best_val_loss: number | null } | undefined
          )?.best_val_loss,
        };
      } finally {
        db.close();
      }
    };
    const args = (first: boolean) => [
      'train',
      ...(first ? ['--corpus', 'plays', '--model', 'looped', ...SMALL] : ['--resume', 'looped']),
      '--max-steps',
      '100000',
      '--eval-every',
      '15',
      // Never stopped early: the kills, not the schedule, end these runs.
      '--patience',
      '1000000',
      '--checkpoint-every',
      '0.3s',
      '--json',
    ];
    let bestBefore = Infinity;
    let latestBefore = 0;
    for (let kill = 0; kill < 3; kill++) {
      const run = start(args(kill === 0), /"type":"(progress|eval)"/);
      await run.seen;
      // Train on for a random while past a checkpoint, then kill the process doing the work.
      await new Promise((r) => setTimeout(r, 700 + rng.int(1500)));
      const victim = state().run;
      assert.ok(victim, `a running run records its process (kill ${kill + 1})`);
      process.kill(victim.pid, 'SIGKILL');
      const { code, out } = await run.exit;
      assert.notEqual(code, 0, out);
      const after = state();
      assert.equal(after.integrity, 'ok');
      assert.ok((after.latest ?? 0) >= latestBefore, `latest checkpoint ${after.latest} after ${latestBefore}`);
      if (after.best !== null && after.best !== undefined) {
        assert.ok(after.best <= bestBefore, `best ${bestBefore} became ${after.best}`);
        bestBefore = after.best;
      }
      latestBefore = after.latest ?? 0;
    }
    // The last resume starts where the last checkpoint left off and finishes cleanly.
    const r = nib('train', '--resume', 'looped', '--max-steps', String(latestBefore + 10), '--json');
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].resumedFromStep, latestBefore);
    assert.equal(lines.at(-1).steps, latestBefore + 10);
    assert.ok(state().best! <= bestBefore);
  });

  test('after a crash, a resume from an older checkpoint keeps the better best weights', () => {
    assert.equal(
      nib('train', '--corpus', 'plays', '--model', 'crashy', ...SMALL, '--max-steps', '60', '--eval-every', '20').code,
      0,
    );
    const db = new Database(path.join(dataDir, DB_FILE));
    const id = (db.prepare('SELECT id FROM models WHERE name = ?').get('crashy') as { id: number }).id;
    const before = db
      .prepare("SELECT step, val_loss FROM checkpoints WHERE model_id = ? AND kind = 'best'")
      .get(id) as { step: number; val_loss: number };
    // As if the process had died long after its last 'latest' checkpoint: that checkpoint (step 60)
    // remembers a worse best than the one recorded since.
    const latest = db.prepare("SELECT trainer FROM checkpoints WHERE model_id = ? AND kind = 'latest'").get(id) as {
      trainer: string;
    };
    const trainer = { ...JSON.parse(latest.trainer), bestValLoss: before.val_loss + 1, lr: 0.05 };
    db.prepare("UPDATE checkpoints SET trainer = ? WHERE model_id = ? AND kind = 'latest'").run(
      JSON.stringify(trainer),
      id,
    );
    db.close();
    const r = nib('train', '--resume', 'crashy', '--max-steps', '80', '--json');
    assert.equal(r.code, 0, r.err);
    const check = new Database(path.join(dataDir, DB_FILE), { readonly: true });
    const after = check
      .prepare("SELECT step, val_loss FROM checkpoints WHERE model_id = ? AND kind = 'best'")
      .get(id) as { step: number; val_loss: number };
    check.close();
    assert.ok(
      after.val_loss <= before.val_loss,
      `best ${before.val_loss} at ${before.step} became ${after.val_loss} at ${after.step}`,
    );
  });

  test("documents imported into a paused model's corpus: the resume says so and measures its best again on the new held-out text", () => {
    const text = fs.readFileSync(SHAKESPEARE, 'utf8');
    const folder = tempDir('nib-grow-');
    try {
      fs.writeFileSync(path.join(folder, 'first.txt'), text.slice(0, 60_000));
      fs.writeFileSync(path.join(folder, 'second.txt'), text.slice(150_000, 210_000));
      assert.equal(nib('import', path.join(folder, 'first.txt'), '--corpus', 'growing').code, 0);
      assert.equal(
        nib('train', '--corpus', 'growing', '--model', 'grower', ...SMALL, '--max-steps', '40', '--eval-every', '20')
          .code,
        0,
      );
      const bestOf = () => {
        const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
        try {
          return db
            .prepare(
              "SELECT c.val_loss AS v FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE m.name = 'grower' AND c.kind = 'best'",
            )
            .get() as { v: number };
        } finally {
          db.close();
        }
      };
      const before = bestOf().v;
      // Unchanged corpus: no note.
      const same = nib('train', '--resume', 'grower', '--max-steps', '50', '--eval-every', '1000');
      assert.equal(same.code, 0, same.err);
      assert.doesNotMatch(same.err, /corpus changed/);
      const mid = bestOf().v;
      assert.ok(mid <= before);
      assert.equal(nib('import', path.join(folder, 'second.txt'), '--corpus', 'growing').code, 0);
      const r = nib('train', '--resume', 'grower', '--max-steps', '60', '--eval-every', '1000');
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.err,
        /Note: the corpus changed since this model last trained .* measured again on it \(\d\.\d{3} → \d\.\d{3} bits\/char\)/,
      );
      // Held-out text from another part of the plays: the best is now a loss on that text.
      assert.notEqual(bestOf().v, mid);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('two trainers of one model started together: one runs, the other is refused', async () => {
    assert.equal(nib('train', '--corpus', 'plays', '--model', 'twice', ...SMALL, '--max-steps', '10').code, 0);
    const a = start(['train', '--resume', 'twice', '--max-steps', '1000000', '--max-time', '6s'], /$/);
    const b = start(['train', '--resume', 'twice', '--max-steps', '1000000', '--max-time', '6s'], /$/);
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    const codes = [ra.code, rb.code].sort();
    assert.deepEqual(codes, [0, 4], `${ra.out}\n---\n${rb.out}`);
    assert.match(ra.code === 4 ? ra.out : rb.out, /being trained right now/);
  });

  test('closing the terminal (SIGHUP) stops training at a checkpoint, as Ctrl+C and SIGTERM do', async () => {
    for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) {
      const model = `sig-${signal.toLowerCase()}`;
      const run = start(
        [
          'train',
          '--corpus',
          'plays',
          '--model',
          model,
          ...SMALL,
          '--max-time',
          '10m',
          '--eval-every',
          '20',
          '--checkpoint-every',
          '1h',
        ],
        /step 20\b/,
      );
      await run.seen;
      process.kill(-run.child.pid!, signal); // the whole group, as a terminal does
      const { code, out } = await run.exit;
      assert.equal(code, 130, `${signal}: ${out}`);
      const db = openDb(dataDir);
      const m = getModel(db, model)!;
      assert.ok(loadCheckpoint(db, m.id, 'latest')!.step >= 20, signal);
      assert.equal(integrityCheck(db), 'ok');
      db.close();
    }
  });

  test('output closed under it (nib train | head): training stops at a checkpoint, no EPIPE crash', async () => {
    const cli = spawn(
      process.execPath,
      [
        NIB,
        'train',
        '--corpus',
        'plays',
        '--model',
        'piped',
        ...SMALL,
        '--max-time',
        '10m',
        '--eval-every',
        '20',
        '--checkpoint-every',
        '1h',
        '--json',
        '--data-dir',
        dataDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    cli.stderr.on('data', (d) => (err += d));
    let lines = 0;
    await new Promise<void>((resolve) =>
      cli.stdout.on('data', (d: Buffer) => {
        lines += d.toString().split('\n').length - 1;
        if (lines >= 25) resolve();
      }),
    );
    cli.stdout.destroy(); // as `head` exits
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    assert.equal(code, 130, err);
    assert.doesNotMatch(err, /EPIPE|\n\s+at /);
    const db = openDb(dataDir);
    const m = getModel(db, 'piped')!;
    assert.ok(loadCheckpoint(db, m.id, 'latest')!.step >= 20);
    assert.equal(integrityCheck(db), 'ok');
    db.close();
  });

  test('a run that would not fit in memory is refused before it starts, with what to change', () => {
    const r = nib(
      'train',
      '--corpus',
      'plays',
      '--model',
      'huge',
      '--from',
      'scratch',
      '--units',
      '4096',
      '--seq-len',
      '4096',
      '--batch',
      '4096',
    );
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /would need about [\d.]+ GB of memory, more than the [\d.]+ GB allowed: use fewer units.*--max-memory/,
    );
    assert.equal(
      nib(
        'train',
        '--corpus',
        'plays',
        '--model',
        'huge',
        '--from',
        'scratch',
        '--units',
        '64',
        '--max-steps',
        '1',
        '--max-memory',
        '1KB',
      ).code,
      2,
    );
  });

  test('--max-time 0 is refused rather than read as "no limit"', () => {
    const r = nib('train', '--corpus', 'plays', '--model', 'zero', ...SMALL, '--max-time', '0');
    assert.equal(r.code, 2);
    assert.match(r.err, /--max-time must be more than 0/);
  });
});

describe('ML processes never outlive the command that started them', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  test('a command killed while its ML process is busy (a long generation): the ML process ends within a second or two, not when its work would', async () => {
    const cli = spawn(
      process.execPath,
      [NIB, 'generate', '--model', 'base', '--prompt', 'The ', '--length', '100000', '--data-dir', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Its ML process: the CLI's child, once the generation runs (~17 s of work at 0.17 ms a character).
    let host = 0;
    for (let i = 0; i < 200 && !host; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(cli.pid)], { encoding: 'utf8' });
      host = Number(r.stdout.trim().split('\n')[0]) || 0;
    }
    assert.ok(host > 0, 'the ML process started');
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(alive(host), 'still generating');
    // The command dies at once (as a closed terminal or a crash ends it): no signal reaches the
    // busy ML process, only the end of its parent.
    cli.kill('SIGKILL');
    const t0 = Date.now();
    while (alive(host) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    const took = Date.now() - t0;
    assert.ok(!alive(host), 'the ML process ended');
    assert.ok(took < 4000, `it ended ${took} ms after its parent, not when its generation would have`);
    // The data folder is whole.
    const db = openDb(dataDir);
    assert.equal(integrityCheck(db), 'ok');
    db.close();
  });
});
