import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { loadNativeKernel } from '../src-main/ml/native-kernel.ts';
import { ROOT } from './helpers.ts';

const { kernel, why } = loadNativeKernel();
// The kernel is compiled by `npm ci`; .ci/run fails when it is missing, so this only skips on a
// machine without a C compiler, and says so.
const skip = kernel ? false : `native kernel unavailable: ${why}`;

/** Runs a script in a fresh process (a hung thread pool must fail the test, not hang the suite). */
function runScript(script: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...env },
  });
  return { ...r, ms: performance.now() - t0 };
}

const PRELUDE = `
  import { loadNativeKernel } from './src-main/ml/native-kernel.ts';
  import { NativeEngine } from './src-main/ml/native-engine.ts';
  import { initWeights } from './src-main/ml/weights.ts';
  const k = loadNativeKernel().kernel;
  const s = { kind: 'char-lstm', vocab: [...'abcdefghijklm'], unk: null, embedding: 8, units: [32, 24], recurrentActivation: 'sigmoid' };
  const B = 5, T = 16;
  const x = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % 13);
  const y = Int32Array.from({ length: B * T }, (_, i) => (i * 5) % 13);
  const grads = (e) => e.gradients(x, y, B, T);
  const close = (a, b) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
`;

describe('the kernel thread pool', { skip }, () => {
  test('changing the thread count and training at once never hangs (300 changes, each followed by a step)', () => {
    // Before the start-up handshake a new worker read the task generation itself, so a step posted
    // before it first ran was never seen and the caller spun at the barrier forever.
    const r = runScript(
      `${PRELUDE}
      const ref = grads(new NativeEngine(k, s, initWeights(s, 4))).loss;
      for (let i = 0; i < 300; i++) {
        k.setThreads(1 + (i % 4));
        const loss = grads(new NativeEngine(k, s, initWeights(s, 4))).loss;
        if (!close(loss, ref)) throw new Error('threads ' + (1 + (i % 4)) + ': loss ' + loss + ' vs ' + ref);
      }
      console.log('done');`,
      60_000,
    );
    assert.equal(r.signal, null, `the process hung and was killed after ${Math.round(r.ms)} ms`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'done');
  });

  test('training beside a busy process finishes, and the adaptive width gives the same losses as one thread', async () => {
    const busy = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    try {
      await new Promise((res) => setTimeout(res, 200));
      const r = runScript(
        `${PRELUDE}
        // The same 200 steps at one thread, and at two with the width chosen by timing (probes
        // switch it back and forth): the losses agree up to floating-point reassociation.
        const run = (threads, adaptive) => {
          k.setThreads(threads);
          const e = new NativeEngine(k, s, initWeights(s, 9));
          e.adaptThreads(adaptive);
          const losses = [];
          for (let i = 0; i < 200; i++) losses.push(e.gradients(x, y, B, T).loss);
          return { losses, threads: e.threads() };
        };
        const one = run(1, false);
        const adaptive = run(2, true);
        const bad = one.losses.findIndex((l, i) => !close(adaptive.losses[i], l));
        if (bad >= 0) throw new Error('step ' + bad + ': ' + adaptive.losses[bad] + ' vs ' + one.losses[bad]);
        console.log(JSON.stringify(adaptive.threads));`,
        120_000,
      );
      assert.equal(r.signal, null, `the process hung and was killed after ${Math.round(r.ms)} ms`);
      assert.equal(r.status, 0, r.stderr);
      const info = JSON.parse(r.stdout.trim()) as { width: number; switches: number };
      assert.ok(info.width === 1 || info.width === 2, `width ${info.width}`);
    } finally {
      busy.kill('SIGKILL');
    }
  });

  test('NIB_THREADS fixes the width: adaptation is off and the engine says so', () => {
    const r = runScript(
      `${PRELUDE}
      const e = new NativeEngine(k, s, initWeights(s, 1));
      for (let i = 0; i < 60; i++) e.gradients(x, y, B, T);
      console.log(JSON.stringify({ name: e.name, ...e.threads() }));`,
      60_000,
      { NIB_THREADS: '2' },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { name: string; width: number; switches: number };
    assert.equal(out.width, 2);
    assert.equal(out.switches, 0);
    assert.doesNotMatch(out.name, /adaptive/);
  });
});
