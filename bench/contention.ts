/**
 * Training speed of the fused kernel beside another busy process, as on a writer's laptop (an
 * editor, a browser, the suggestion host). For each model size: one thread, all threads with a
 * fixed width, and all threads with the adaptive width (the default), each alone and beside
 * `--busy` CPU-bound processes.
 *   npm run bench:contention -- [--seconds 8] [--busy 1]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { loadNativeKernel } from '../src-main/ml/native-kernel.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { PRESETS, type ModelSpec } from '../src-main/ml/spec.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { arg } from './common.ts';

const seconds = arg('seconds', 8);
const busyCount = arg('busy', 1);
const kernel = loadNativeKernel().kernel;
if (!kernel) throw new Error(`the native kernel did not load: ${loadNativeKernel().why}`);
const cores = os.availableParallelism?.() ?? os.cpus().length;

const sizes: { name: string; units: number[]; embedding: number; B: number; T: number }[] = [
  {
    name: 'medium preset',
    units: [PRESETS.medium.units, PRESETS.medium.units],
    embedding: PRESETS.medium.embedding,
    B: 32,
    T: 64,
  },
  { name: 'small preset', units: [PRESETS.small.units], embedding: PRESETS.small.embedding, B: 32, T: 64 },
  { name: 'tiny (1×32)', units: [32], embedding: 8, B: 8, T: 32 },
];

function busy(): ChildProcess[] {
  // A plain CPU-bound loop in other processes, at normal priority.
  return Array.from({ length: busyCount }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

async function rate(
  spec: ModelSpec,
  B: number,
  T: number,
  threads: number,
  adaptive: boolean,
): Promise<{ rate: number; width: number; switches: number }> {
  kernel!.setThreads(threads);
  const e = new NativeEngine(kernel!, spec, initWeights(spec, 1));
  e.adaptThreads(adaptive);
  const rng = new Rng(3);
  const V = spec.vocab.length;
  const x = Int32Array.from({ length: B * T }, () => rng.int(V));
  const y = Int32Array.from({ length: B * T }, () => rng.int(V));
  const o = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
  for (let i = 0; i < 3; i++) await e.trainStep(x, y, B, T, o);
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await e.trainStep(x, y, B, T, o);
    steps++;
  }
  const sec = (performance.now() - t0) / 1000;
  return { rate: (steps * B * T) / sec, ...e.threads() };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`${cores} cores; ${seconds} s per measurement; ${busyCount} busy process(es) in the contended runs`);
for (const s of sizes) {
  const spec: ModelSpec = {
    kind: 'char-lstm',
    vocab: Array.from({ length: 65 }, (_, i) => String.fromCharCode(48 + i)),
    unk: null,
    embedding: s.embedding,
    units: s.units,
    recurrentActivation: 'sigmoid',
  };
  for (const load of ['idle', 'busy'] as const) {
    const procs = load === 'busy' ? busy() : [];
    await new Promise((r) => setTimeout(r, 300));
    try {
      const one = await rate(spec, s.B, s.T, 1, false);
      const fixed = await rate(spec, s.B, s.T, cores, false);
      const adaptive = await rate(spec, s.B, s.T, cores, true);
      console.log(
        `${s.name}, ${load}: 1 thread ${fmt(one.rate)} chars/s; ${cores} threads fixed ${fmt(fixed.rate)} (${(fixed.rate / one.rate).toFixed(2)}×); ` +
          `adaptive ${fmt(adaptive.rate)} (${(adaptive.rate / one.rate).toFixed(2)}×, ended at ${adaptive.width} thread(s), ${adaptive.switches} switch(es))`,
      );
    } finally {
      for (const p of procs) p.kill('SIGKILL');
    }
  }
}
kernel.setThreads(cores);
