import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { CoreResult } from '../src-main/api/core-api.ts';
import { Core } from '../src-main/core/core.ts';
import { DB_FILE } from '../src-main/store/db.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

/*
 * WebGPU inside Nib's own processes, for real: Dawn for Node (the optional `webgpu` package) in the
 * process that trains, reached through the `nib` command. This machine has no GPU, but Debian's
 * Chromium ships SwiftShader as a Vulkan driver; pointing the Vulkan loader at it
 * (VK_ICD_FILENAMES) gives Dawn a software adapter, which Nib refuses for training unless
 * NIB_WEBGPU_SOFTWARE=1. Without that driver Dawn finds no adapter at all (the "no GPU" case).
 */

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const NIB = path.join(ROOT, 'bin', 'nib.js');
const dawn = (() => {
  try {
    return fs.existsSync(path.join(ROOT, 'node_modules', 'webgpu', 'dist', `${process.platform}-${process.arch}`));
  } catch {
    return false;
  }
})();
const skip = !dawn
  ? 'the optional webgpu package (Dawn for Node) has no build for this platform here'
  : !fs.existsSync(ICD)
    ? `Chromium's SwiftShader Vulkan driver (${ICD}) is not installed (apt-get install -y chromium)`
    : false;

let dataDir: string;
let work: string;
/** A model small enough for a CPU-emulated GPU: 1 × 32 units, batch 8 × 32. */
const TINY = [
  '--from',
  'scratch',
  '--layers',
  '1',
  '--units',
  '32',
  '--embedding',
  '16',
  '--batch',
  '8',
  '--seq-len',
  '32',
];

function nib(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [NIB, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 240_000,
    // No WebGPU settings leak in from the caller: each test says what it wants.
    env: Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(
        ([k]) => !/^(NIB_BACKEND|NIB_WEBGPU_|VK_ICD)/.test(k) || k in env,
      ),
    ),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const SOFTWARE_GPU = { VK_ICD_FILENAMES: ICD, NIB_WEBGPU_SOFTWARE: '1' };
/** Vulkan's loader finds no usable driver: Dawn offers no adapter (lavapipe here lacks a feature it needs). */
const NO_GPU = { VK_ICD_FILENAMES: '/nonexistent/icd.json' };

/** The --json events; every line of stdout must be one (a driver's noise there would break readers). */
function events(out: string): { type: string; [k: string]: unknown }[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string });
}

function latest(model: string): { step: number; status: string } {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT c.step, m.status FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE m.name = ? AND c.kind = 'latest'`,
      )
      .get(model) as { step: number; status: string };
  } finally {
    db.close();
  }
}

before(() => {
  if (skip) return;
  dataDir = tempDir('nib-webgpu-');
  work = tempDir('nib-webgpu-files-');
  fs.writeFileSync(path.join(work, 'a.txt'), fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 30_000));
  const r = nib({}, 'import', path.join(work, 'a.txt'), '--corpus', 'c');
  assert.equal(r.code, 0, r.err);
});

after(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('WebGPU in the training process (Dawn for Node on SwiftShader)', { skip }, () => {
  test('nib info names the adapter, its limits, and that a software one is not used to train', () => {
    const r = nib({ VK_ICD_FILENAMES: ICD }, 'info');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /WebGPU: google swiftshader .*maxStorageBufferBindingSize [\d,]+/);
    assert.match(r.out, /a software adapter, not used for training unless NIB_WEBGPU_SOFTWARE=1/);
    const none = nib(NO_GPU, 'info');
    assert.match(none.out, /WebGPU: no WebGPU adapter/);
  });

  test('NIB_BACKEND=webgpu where there is no adapter: the CPU kernel trains, and the start says why', () => {
    const r = nib(
      { ...NO_GPU, NIB_BACKEND: 'webgpu' },
      'train',
      '--corpus',
      'c',
      '--model',
      'nogpu',
      ...TINY,
      '--max-steps',
      '10',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const start = events(r.out).find((e) => e.type === 'start')!;
    assert.match(String(start.engine), /^nib-kernel/);
    assert.match(
      String(start.engineWhy),
      /NIB_BACKEND=webgpu, but WebGPU cannot train here: no WebGPU adapter.*Training on nib-kernel/,
    );
    assert.equal(latest('nogpu').step, 10);
  });

  test('NIB_BACKEND=webgpu trains on the GPU engine: the same validation loss as the kernel, and the kernel resumes its checkpoint', () => {
    const gpu = nib(
      { ...SOFTWARE_GPU, NIB_BACKEND: 'webgpu' },
      'train',
      '--corpus',
      'c',
      '--model',
      'ongpu',
      ...TINY,
      '--max-steps',
      '12',
      '--json',
    );
    assert.equal(gpu.code, 0, gpu.err);
    const ev = events(gpu.out);
    const start = ev.find((e) => e.type === 'start')!;
    assert.equal(start.engine, 'webgpu (google swiftshader)');
    assert.match(String(start.engineWhy), /forced by NIB_BACKEND/);
    const cpu = nib(
      { NIB_BACKEND: 'kernel' },
      'train',
      '--corpus',
      'c',
      '--model',
      'oncpu',
      ...TINY,
      '--max-steps',
      '12',
      '--json',
    );
    assert.equal(cpu.code, 0, cpu.err);
    const val = (out: string) =>
      events(out)
        .filter((e) => e.type === 'eval')
        .at(-1)!.valLoss as number;
    assert.ok(Math.abs(val(gpu.out) - val(cpu.out)) < 1e-3, `WebGPU ${val(gpu.out)} vs kernel ${val(cpu.out)}`);
    // The checkpoint the GPU wrote (weights and Adam's moments read back) goes on on the CPU.
    const resumed = nib({ NIB_BACKEND: 'kernel' }, 'train', '--resume', 'ongpu', '--max-steps', '16', '--json');
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(events(resumed.out).find((e) => e.type === 'start')!.resumedFromStep, 12);
    assert.equal(latest('ongpu').step, 16);
  });

  test('the device lost mid-run: training goes on on the CPU kernel from the last checkpoint, says why, and finishes', () => {
    const r = nib(
      { ...SOFTWARE_GPU, NIB_BACKEND: 'webgpu', NIB_WEBGPU_LOSE_AFTER: '14' },
      'train',
      '--corpus',
      'c',
      '--model',
      'lost',
      ...TINY,
      '--max-steps',
      '30',
      '--checkpoint-every',
      '0.001',
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const ev = events(r.out);
    const fb = ev.find((e) => e.type === 'fallback')!;
    assert.ok(fb, 'a fallback event');
    assert.match(String(fb.why), /GPU device was lost/);
    assert.match(String(fb.engine), /^nib-kernel/);
    const checkpointsBefore = ev.slice(0, ev.indexOf(fb)).filter((e) => e.type === 'checkpoint');
    assert.equal(fb.fromStep, checkpointsBefore.at(-1)?.step ?? 0, 'from the last checkpoint written before the loss');
    assert.equal(latest('lost').step, 30);
    assert.equal(latest('lost').status, 'ready');
    // It went on from that checkpoint's weights and Adam moments, not from scratch or from the
    // start: the same run on the kernel alone ends at the same validation loss.
    const cpu = nib(
      { NIB_BACKEND: 'kernel' },
      ...['train', '--corpus', 'c', '--model', 'lost-cpu', ...TINY, '--max-steps', '30', '--json'],
    );
    assert.equal(cpu.code, 0, cpu.err);
    const val = (evs: { type: string; [k: string]: unknown }[]) =>
      evs.filter((e) => e.type === 'eval').at(-1)!.valLoss as number;
    assert.ok(
      Math.abs(val(ev) - val(events(cpu.out))) < 2e-3,
      `after the fallback ${val(ev)} vs kernel ${val(events(cpu.out))}`,
    );
    // The human-readable form says it too.
    const text = nib(
      { ...SOFTWARE_GPU, NIB_BACKEND: 'webgpu', NIB_WEBGPU_LOSE_AFTER: '6' },
      'train',
      '--corpus',
      'c',
      '--model',
      'lost2',
      ...TINY,
      '--max-steps',
      '12',
      '--checkpoint-every',
      '0.001',
    );
    assert.equal(text.code, 0, text.err);
    assert.match(
      text.err,
      /The GPU stopped: the GPU device was lost .*Training goes on on nib-kernel .* from the checkpoint at step [1-9]\d*\./,
    );
    // Lost before any checkpoint: it starts the run over on the CPU, and says so.
    const early = nib(
      { ...SOFTWARE_GPU, NIB_BACKEND: 'webgpu', NIB_WEBGPU_LOSE_AFTER: '1' },
      ...['train', '--corpus', 'c', '--model', 'lost3', ...TINY, '--max-steps', '6'],
    );
    assert.equal(early.code, 0, early.err);
    assert.match(early.err, /Training goes on on nib-kernel .* from the start of this run\./);
  });

  test("the Train view's time estimate is timed on the engine the run would train on: WebGPU when Settings force it", async () => {
    // The app's path: a Core whose ML hosts inherit this process's environment, Settings → Compute engine.
    const saved = { ...process.env };
    Object.assign(process.env, SOFTWARE_GPU);
    const core = new Core(dataDir, { idleLearning: false, fitBase: false });
    try {
      const estimate = async () =>
        (await core.call('train.estimate', {
          corpus: 'c',
          from: 'scratch',
          preset: 'small',
          steps: 100,
        })) as CoreResult<'train.estimate'>;
      await core.call('settings.set', { backend: 'webgpu' });
      const gpu = await estimate();
      assert.match(gpu.engine, /^webgpu \(google swiftshader/);
      assert.ok(gpu.secondsPerStep > 0 && Math.abs(gpu.totalSec - 100 * gpu.secondsPerStep) < 1e-9);
      await core.call('settings.set', { backend: 'kernel' });
      const cpu = await estimate();
      assert.match(cpu.engine, /^nib-kernel/);
      assert.equal(cpu.params, gpu.params);
    } finally {
      // Settings live in the data folder: the tests after this one choose their own engine.
      await core.call('settings.set', { backend: 'auto' });
      await core.close();
      for (const k of Object.keys(SOFTWARE_GPU)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  test('automatic choice times WebGPU beside the CPU engines and keeps the fastest (the kernel, against an emulated GPU)', () => {
    const r = nib(SOFTWARE_GPU, 'train', '--corpus', 'c', '--model', 'auto', ...TINY, '--max-steps', '4', '--json');
    assert.equal(r.code, 0, r.err);
    const start = events(r.out).find((e) => e.type === 'start')!;
    assert.match(String(start.engine), /^nib-kernel/);
    assert.match(
      String(start.engineWhy),
      /measured now.*nib-kernel [\d,]+ chars\/s \(chosen\).*webgpu \(google swiftshader\) [\d,]+ chars\/s/,
    );
  });
});
