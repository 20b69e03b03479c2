import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Core, type CoreEvent } from '../src-main/core/core.ts';
import { SHAKESPEARE, tempDir } from './helpers.ts';
import { deleteModel } from '../src-main/store/models.ts';
import { appMessage } from '../src-main/api/app-message.ts';
import { toWire } from '../src-main/api/errors.ts';

let dir: string;
let core: Core;

before(() => {
  dir = tempDir('nib-core-');
  // Fitting the base in the background would change what suggests mid-test: test/base-fit.test.ts covers it.
  core = new Core(path.join(dir, 'data'), { fitBase: false });
});

after(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('before any personal model exists, the base model suggests (with up to three alternatives, or one when asked)', async () => {
  const data = fs.readFileSync(SHAKESPEARE).subarray(0, 50_000).toString('base64');
  const r = (await core.call('corpora.import', { corpus: 'plays', files: [{ name: 'plays.txt', data }] })) as {
    imported: number;
  };
  assert.equal(r.imported, 1);
  await core.call('settings.set', { confidenceBar: 0 });
  const text = 'First Citizen:\nBefore we proceed any further, hear me ';
  const s = (await core.call('suggest', { text })) as { model: string; source: string; alternatives: string[] };
  // As it ships: mixed with its own n-gram (services/base-model.ts).
  assert.deepEqual([s.model, s.source], ['base', 'mix-base']);
  assert.ok(s.alternatives.length >= 2, JSON.stringify(s.alternatives));
  const one = (await core.call('suggest', { text, alternatives: 1 })) as { alternatives: string[] };
  assert.deepEqual(one.alternatives, s.alternatives.slice(0, 1));
});

test('a suggestion carries the space after its last word unless Settings turn that off', async () => {
  const { confidenceBar } = (await core.call('settings.get', {})) as { confidenceBar: number | null };
  await core.call('settings.set', { confidenceBar: null });
  const prompts = ['Thank you for your lett', 'as soon as poss', 'at the end of the mon', 'The United States of Ameri'];
  const ask = async () =>
    Promise.all(
      prompts.map(
        async (text) => ((await core.call('suggest', { text, alternatives: 1 })) as { suggestion: string }).suggestion,
      ),
    );
  assert.equal(((await core.call('settings.get', {})) as { spaceAfterSuggestion: boolean }).spaceAfterSuggestion, true);
  const on = await ask();
  assert.ok(
    on.some((s) => /\S $/.test(s)),
    JSON.stringify(on),
  );
  await core.call('settings.set', { spaceAfterSuggestion: false });
  const off = await ask();
  assert.ok(
    off.every((s) => !/\s$/.test(s)),
    JSON.stringify(off),
  );
  // The bar decides whether a suggestion is shown, the same either way.
  assert.deepEqual(
    off.map((s) => s !== ''),
    on.map((s) => s !== ''),
  );
  await core.call('settings.set', { spaceAfterSuggestion: true, confidenceBar });
});

test('a suggestion the writer asks for (Alt+] with none shown) clears a quarter of the bar, exactly as if the bar were a quarter', async () => {
  const { confidenceBar } = (await core.call('settings.get', {})) as { confidenceBar: number | null };
  const prompts = [
    'Thank you for your lett',
    'We will meet again on',
    'at the end of the',
    'I am writing to ',
    'The report',
  ];
  const ask = async (asked: boolean) =>
    Promise.all(
      prompts.map(
        async (text) =>
          ((await core.call('suggest', { text, alternatives: 1, ...(asked && { asked }) })) as { suggestion: string })
            .suggestion,
      ),
    );
  await core.call('settings.set', { confidenceBar: 0.8 });
  const unasked = await ask(false);
  const asked = await ask(true);
  await core.call('settings.set', { confidenceBar: 0.2 });
  const atQuarter = await ask(false);
  await core.call('settings.set', { confidenceBar });
  assert.deepEqual(asked, atQuarter);
  // The comparison covers both outcomes: some suggestion only an asking writer sees.
  assert.ok(
    asked.some((a, i) => a !== '' && unasked[i] === ''),
    JSON.stringify({ unasked, asked }),
  );
  await assert.rejects(core.call('suggest', { text: 'x', asked: 'yes' }), /asked" must be true or false/);
});

test('a crashed ML host is reported and replaced on the next request, without taking the core down', async () => {
  const events: CoreEvent[] = [];
  const off = core.on((e) => events.push(e));
  const { mlHostPid } = (await core.call('app.info', {})) as { mlHostPid: number };
  process.kill(mlHostPid, 'SIGKILL');
  const t0 = Date.now();
  while (!events.some((e) => e.type === 'host-crashed') && Date.now() - t0 < 10_000)
    await new Promise((r) => setTimeout(r, 50));
  const crash = events.find((e) => e.type === 'host-crashed');
  assert.ok(crash && crash.type === 'host-crashed' && /killed \(SIGKILL\)/.test(crash.why));
  const again = (await core.call('app.info', {})) as { mlHostPid: number };
  assert.notEqual(again.mlHostPid, mlHostPid);
  const s = (await core.call('suggest', { text: 'What say you ' })) as { model: string };
  assert.equal(s.model, 'base');
  off();
});

test('settings are validated and persisted', async () => {
  await assert.rejects(core.call('settings.set', { confidenceBar: 2 }), /confidenceBar" must be between 0 and 1/);
  await assert.rejects(core.call('settings.set', { threshold: 0.3 }), /unknown field "threshold"/);
  await assert.rejects(core.call('settings.set', { backend: 'quantum' }), /backend" must be one of/);
  await assert.rejects(core.call('settings.set', { creativity: 1.5 }), /creativity" must be between 0 and 1/);
  const s = (await core.call('settings.set', { pauseMs: 300, creativity: 0.7 })) as {
    pauseMs: number;
    creativity: number;
    confidenceBar: number | null;
  };
  assert.deepEqual([s.pauseMs, s.creativity, s.confidenceBar], [300, 0.7, 0]);
  // null goes back to the bar measured for each model.
  const m = (await core.call('settings.set', { confidenceBar: null })) as { confidenceBar: number | null };
  assert.equal(m.confidenceBar, null);
  // What forms offer comes from the contract, for any client.
  const info = (await core.call('app.info', {})) as {
    forms: { presets: Record<string, unknown>; limits: { creativity: { max: number } }; backends: { id: string }[] };
  };
  assert.deepEqual(Object.keys(info.forms.presets), ['small', 'medium', 'large']);
  assert.equal(info.forms.limits.creativity.max, 1);
  assert.equal(info.forms.backends[0].id, 'auto');
});

test('training from the app: pause keeps it resumable, resume continues, cancel leaves a usable model', async () => {
  const events: CoreEvent[] = [];
  const off = core.on((e) => events.push(e));
  const until = async (pred: () => boolean) => {
    const t0 = Date.now();
    while (!pred() && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(pred(), 'timed out');
  };
  const done = () => events.filter((e) => e.type === 'train-done').length;
  await core.call('train.start', { corpus: 'plays', model: 'app', from: 'scratch', preset: 'small', maxSteps: 100000 });
  await assert.rejects(
    core.call('train.start', { corpus: 'plays', model: 'other', from: 'scratch', preset: 'small' }),
    /is training: wait for it or cancel it first/,
  );
  await until(() => events.some((e) => e.type === 'train' && e.event.type === 'progress'));
  // The run finds its model by name and writes its checkpoints: it keeps both until it ends.
  await assert.rejects(core.call('models.delete', { name: 'app' }), /model "app" is training now/);
  await assert.rejects(core.call('models.rename', { from: 'app', to: 'renamed' }), /model "app" is training now/);
  await core.call('train.pause', {});
  await until(() => done() === 1);
  const models = (await core.call('models.list', {})) as { name: string; status: string; steps: number }[];
  const paused = models.find((m) => m.name === 'app')!;
  assert.equal(paused.status, 'interrupted');
  assert.ok(paused.steps > 0);
  // Not running; the run that ended is kept for a Train view opened later: how it ended, its last
  // progress and engine.
  const status = (await core.call('train.status', {})) as {
    running: boolean;
    ended: { model: string; stopped: string; last: { type: string; step: number }; engine: { name: string } };
  };
  assert.equal(status.running, false);
  assert.equal(status.ended.model, 'app');
  assert.equal(status.ended.stopped, 'pause');
  assert.ok(['progress', 'eval'].includes(status.ended.last.type), status.ended.last.type);
  assert.ok(status.ended.last.step > 0 && status.ended.engine.name.length > 0);

  // As the Train view resumes: the model's name only. The run keeps the goal it was started with.
  await core.call('train.start', { model: 'app', resume: true });
  await until(() =>
    events.some((e) => e.type === 'train' && e.event.type === 'start' && e.event.resumedFromStep === paused.steps),
  );
  const resumed = events.find(
    (e) => e.type === 'train' && e.event.type === 'start' && e.event.resumedFromStep === paused.steps,
  ) as Extract<CoreEvent, { type: 'train' }>;
  assert.equal((resumed.event as { config: { maxSteps: number } }).config.maxSteps, 100000);
  await core.call('train.cancel', {});
  await until(() => done() === 2);
  const after = ((await core.call('models.list', {})) as { name: string; status: string; steps: number }[]).find(
    (m) => m.name === 'app',
  )!;
  assert.equal(after.status, 'ready');
  assert.ok(after.steps >= paused.steps);
  // Stopped part-way both times, it does not take over the suggestions unless chosen.
  const listed = (await core.call('models.list', {})) as { name: string; inUse: boolean }[];
  assert.equal(listed.find((m) => m.inUse)?.name, 'base');
  off();
});

test('learning from drafts: the drafts feed a corpus, the base is copied into a personal model, and the attempt is recorded whatever its outcome', async () => {
  const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(100_000, 112_000);
  await core.call('drafts.save', { title: 'Play', text });
  await core.call('settings.set', { activeModel: 'base' });
  // Idle learning leaves a writer's choice of the base in Models alone: no personal copy is made
  // and put in use behind their back (asked for, below, it is).
  await core.call('settings.set', { learnFromDrafts: true });
  const idle = core as unknown as { lastTyping: number; learn(now: boolean): Promise<{ skipped?: string }> };
  idle.lastTyping = 0;
  assert.match((await idle.learn(false)).skipped ?? '', /base model is in use, as chosen in Models/);
  assert.ok(
    !((await core.call('models.list', {})) as { name: string }[]).some((m) => m.name === 'Learned from my drafts'),
  );
  await core.call('settings.set', { learnFromDrafts: false });
  const r = (await core.call('learn.now', { seconds: 6 })) as {
    model: string;
    adopted: boolean;
    reason: string;
    valBefore: number;
    steps: number;
  };
  assert.equal(r.model, 'Learned from my drafts', 'the shipped base is not changed: a personal copy learns');
  assert.ok(r.steps > 0 && Number.isFinite(r.valBefore), JSON.stringify(r));
  assert.match(r.reason, /bits\/char/);
  const attempts = (await core.call('models.attempts', { model: 'Learned from my drafts' })) as {
    adopted: number;
    draft_chars: number;
  }[];
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0].adopted, r.adopted ? 1 : 0);
  assert.equal(attempts[0].draft_chars, text.length);
  const corpora = (await core.call('corpora.list', {})) as { name: string; documents: number }[];
  assert.equal(corpora.find((c) => c.name === 'My drafts')?.documents, 1);
  const models = (await core.call('models.list', {})) as { name: string; origin: string; parent: string | null }[];
  assert.equal(models.find((m) => m.name === 'Learned from my drafts')?.parent, 'base');
});

test('no model at all and an n-gram lost to an interrupted import: the keystroke gets an empty answer at once, the n-gram is built in the background', async () => {
  for (const m of (await core.call('models.list', {})) as { name: string; origin: string }[]) {
    if (m.origin !== 'base') {
      await core.call('models.delete', { name: m.name });
      continue;
    }
    // The shipped base cannot be deleted from the app or the CLI; a damaged data folder can lose it.
    await assert.rejects(
      core.call('models.delete', { name: m.name }),
      /is the base model Nib ships with, which personal models start from: it cannot be deleted/,
    );
    deleteModel(core.db, m.name);
  }
  await core.call('settings.set', { activeModel: null, confidenceBar: 0 });
  core.db.prepare('DELETE FROM ngram_models').run();
  const text = 'First Citizen:\nBefore we proceed any further, hear me ';
  const first = (await core.call('suggest', { text })) as { suggestion: string; model: string; latencyMs: number };
  assert.equal(first.suggestion, '');
  assert.match(first.model, /^n-gram of /);
  const t0 = Date.now();
  while (!core.db.prepare('SELECT 1 FROM ngram_models').get()) {
    assert.ok(Date.now() - t0 < 60_000, 'the n-gram was rebuilt in the background');
    await new Promise((r) => setTimeout(r, 100));
  }
  const next = (await core.call('suggest', { text })) as { suggestion: string };
  assert.notEqual(next.suggestion, '');
});

test('renaming keeps the model in use in use: the default under its new name, the chosen one in Settings too, after a restart', async () => {
  const data = path.join(dir, 'renames');
  let c = new Core(data);
  const inUse = async () =>
    ((await c.call('models.list', {})) as { name: string; inUse: boolean }[]).find((m) => m.inUse)?.name;
  try {
    assert.equal(await inUse(), 'base');
    // The default (none chosen): renamed, it is still the default.
    await c.call('models.rename', { from: 'base', to: 'shipped' });
    assert.equal(await inUse(), 'shipped');
    // Chosen in Settings, then renamed: the setting follows the name.
    await c.call('settings.set', { activeModel: 'shipped' });
    await c.call('models.rename', { from: 'shipped', to: 'my base' });
    assert.equal(((await c.call('settings.get', {})) as { activeModel: string }).activeModel, 'my base');
    await c.close();
    c = new Core(data);
    assert.equal(await inUse(), 'my base');
  } finally {
    await c.close();
  }
});

test('a refused field is named as the app labels it, not by its method and field (the CLI keeps its flags)', async () => {
  const bad = async (method: string, params: unknown) =>
    toWire(await core.call(method as 'settings.set', params as never).catch((e: unknown) => e));
  const words = await bad('settings.set', { maxWords: 99 });
  assert.equal(appMessage(words), '“Longest suggestion (words)” must be between 1 and 50');
  assert.match(words.message, /"maxWords" must be between 1 and 50/, 'the CLI maps the field to its flag itself');
  assert.equal(appMessage(await bad('corpora.import', { corpus: '', files: [] })), 'The corpus name must not be empty');
  // A length refused says the limit, so the writer knows how much to cut.
  assert.equal(
    appMessage(await bad('corpora.import', { corpus: 'x'.repeat(201), files: [] })),
    'The corpus name is too long (at most 200 characters)',
  );
  // A field the app's forms do not send is still named, without the method.
  assert.match(appMessage(await bad('train.start', { model: 'x', layers: 99 })), /^“layers” must be/);
  // Names are trimmed and printable in every method; training options and the model in use are real ones.
  assert.match(
    appMessage(await bad('train.start', { model: 'two\nlines', corpus: 'plays' })),
    /^The model name contains control characters/,
  );
  assert.match(appMessage(await bad('train.start', { model: '\u202eevil', corpus: 'plays' })), /invisible characters/);
  assert.match(
    appMessage(await bad('train.start', { model: 'x', config: { foo: 1 } })),
    /“config\.foo” is not a training option/,
  );
  assert.match((await bad('settings.set', { activeModel: 'no such model' })).message, /no model named "no such model"/);
});

test('a trained model that saves fewer keystrokes than the base as it came is not put in use; the writer is told, and may still choose it', async () => {
  const c = new Core(path.join(dir, 'kept'), { idleLearning: false, fitBase: false });
  try {
    // Text the base itself wrote (seeded): nothing predicts it better than the base, while the
    // corpus's n-gram (with the base's beside it, ml/ngram-pair.ts) makes a trial model look good
    // on a writer's own text, such as the plays.
    const { text: prose } = (await c.call('generate', {
      model: 'base',
      prompt: 'The ',
      length: 30_000,
      temperature: 0.8,
      seed: 7,
    })) as { text: string };
    await c.call('corpora.import', {
      corpus: 'samples',
      files: [{ name: 'p.txt', data: Buffer.from(prose).toString('base64') }],
    });
    const done = new Promise<Extract<CoreEvent, { type: 'train-done' }>>((resolve) =>
      c.on((e) => e.type === 'train-done' && resolve(e)),
    );
    // A Train view opened while the run trains, then while its source is measured, says which.
    const status = () => c.call('train.status', {}) as Promise<{ running: boolean; measuring?: boolean }>;
    const seen: Promise<{ running: boolean; measuring?: boolean }>[] = [];
    c.on((e) => {
      if (e.type === 'train' && (e.event.type === 'start' || e.event.type === 'measuring')) seen.push(status());
    });
    // Twenty steps from scratch: a trial, worse than the base on this text.
    await c.call('train.start', { corpus: 'samples', model: 'trial', from: 'scratch', preset: 'small', maxSteps: 20 });
    const r = (await done).result!;
    const [training, measuring] = await Promise.all(seen);
    assert.deepEqual([training.running, training.measuring], [true, false]);
    assert.deepEqual([measuring.running, measuring.measuring], [true, true]);
    const s = r.suggestSource!;
    const chosen = s.measured.find((m) => m.source === s.source)!;
    assert.ok(chosen.ksr < s.base!.ksr, `chosen ${chosen.ksr}, base ${s.base!.ksr}`);
    assert.equal(r.keptInUse, 'base');
    const inUse = async () =>
      ((await c.call('models.list', {})) as { name: string; inUse: boolean }[]).find((m) => m.inUse)?.name;
    assert.equal(await inUse(), 'base');
    await c.call('settings.set', { activeModel: 'trial' });
    assert.equal(await inUse(), 'trial', 'chosen by name, it suggests');
  } finally {
    await c.close();
  }
});
