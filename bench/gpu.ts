/**
 * WebGPU against the CPU kernel (npm run bench:gpu), one short script for a machine with a GPU:
 * for each preset and batch size, training speed (chars/s) of Nib's WebGPU engine and of its
 * native CPU kernel on the same machine, the dispatches per step, the latency of a one-character
 * inference step (state and next-token logits: what a suggestion costs per character), and with --quality S the time each needs
 * to reach the same validation loss on tiny-shakespeare (test/fixtures), training S seconds each.
 *
 *   npm run bench:gpu -- [--seconds 3] [--presets small,medium,large] [--batches 32,64,128]
 *                        [--quality 60] [--provider auto|node|chromium] [--software]
 *
 * Providers: `node` uses the optional `webgpu` package (Dawn for Node) when it is installed;
 * `chromium` runs the engine in headless Chromium (NIB_CHROMIUM, default /usr/bin/chromium) asking
 * for the GPU through Vulkan. `--software` accepts a software adapter (SwiftShader), for checking
 * the script itself on a machine without a GPU; its numbers say nothing about GPUs. Run nothing
 * else meanwhile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { loadNativeKernel, type NativeKernel } from '../src-main/ml/native-kernel.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { PRESETS, type ModelSpec, type PresetName } from '../src-main/ml/spec.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src-main/ml/train-config.ts';
import { initialTrainerState, runTraining } from '../src-main/ml/train-loop.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../src-main/ml/vocab.ts';
import { initWeights, type Weights } from '../src-main/ml/weights.ts';
import { WebGpuEngine } from '../src-main/ml/webgpu/webgpu-engine.ts';
import { nodeWebGpu, openNodeDevice } from '../src-main/ml/webgpu/node-device.ts';
import { opt, ROOT } from './common.ts';

const argv = process.argv.slice(2);
const seconds = Number(opt('seconds', '3'));
const presets = opt('presets', 'small,medium,large').split(',') as PresetName[];
const batches = opt('batches', '32,64,128').split(',').map(Number);
const quality = Number(opt('quality', '0'));
const software = argv.includes('--software');

const { kernel, why } = loadNativeKernel();
if (!kernel) throw new Error(`the native kernel is needed as the CPU reference: ${why}`);

const specOf = (p: PresetName): ModelSpec => ({
  kind: 'char-lstm',
  vocab: [...SHARED_VOCAB],
  unk: SHARED_UNK,
  embedding: PRESETS[p].embedding,
  units: Array(PRESETS[p].layers).fill(PRESETS[p].units),
  recurrentActivation: 'sigmoid',
});

/** A WebGPU runner: the same measurement code, run in Node (Dawn) or in the page. */
interface Gpu {
  name: string;
  adapter: string;
  run<T>(s: ModelSpec, w: Weights, body: string, arg?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Dawn for Node, opened as the training service opens it (probe first, a device per engine). */
async function nodeGpu(): Promise<Gpu | string> {
  if (software) process.env.NIB_WEBGPU_SOFTWARE = '1';
  const found = await nodeWebGpu();
  if ('why' in found) return found.why;
  return {
    name: 'node (Dawn)',
    adapter: found.adapter,
    async run<T>(s: ModelSpec, w: Weights, body: string, arg: unknown = null): Promise<T> {
      const d = await openNodeDevice();
      if ('why' in d) throw new Error(d.why);
      const e = new WebGpuEngine(d.device, s, w, d.adapter, true);
      const I = (a: number[]) => Int32Array.from(a);
      const nib = { initialTrainerState, runTraining };
      try {
        return (await new Function('e', 'arg', 'I', 'nib', `return (async () => { ${body} })();`)(e, arg, I, nib)) as T;
      } finally {
        e.dispose();
      }
    },
    close: async () => {},
  };
}

async function chromiumGpu(): Promise<Gpu | string> {
  // Loaded only here: it needs esbuild and playwright-core, which the packed bench (npm run
  // bench:gpu:pack, for a GPU machine that reaches no registry) does not carry. A specifier in a
  // variable keeps the bundler from pulling them in.
  const pageModule = './webgpu-page.ts';
  const { openWebGpuPage } = (await import(pageModule)) as typeof import('./webgpu-page.ts');
  const page = await openWebGpuPage({ gpu: !software });
  const info = await page.adapter();
  if (!info) {
    await page.close();
    return 'Chromium found no WebGPU adapter';
  }
  const name = `${info.vendor} ${info.architecture} ${info.description}`.trim();
  if (/swiftshader/i.test(name) && !software) {
    await page.close();
    return `Chromium offers only its software adapter (${name}); pass --software to measure it anyway`;
  }
  return { name: 'chromium', adapter: name, run: page.run, close: page.close };
}

const provider = opt('provider', 'auto');
const tried: string[] = [];
let gpu: Gpu | null = null;
for (const p of provider === 'auto' ? ['node', 'chromium'] : [provider]) {
  const r = p === 'node' ? await nodeGpu() : await chromiumGpu();
  if (typeof r === 'string') tried.push(`${p}: ${r}`);
  else {
    gpu = r;
    break;
  }
}
if (!gpu) {
  console.log(`No WebGPU adapter to measure: ${tried.join('; ')}.`);
  process.exit(2);
}
console.log(`WebGPU: ${gpu.adapter} via ${gpu.name}; CPU: Nib's kernel (${why.replace(/^loaded \((.*)\)$/, '$1')})`);

const TIMED_STEPS = `
  const B = arg.B, T = arg.T, V = arg.V;
  const x = I(arg.x), y = I(arg.y);
  const o = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
  await e.trainStep(x, y, B, T, o);
  let steps = 0; const t0 = performance.now(); let sec = 0;
  while (steps < 3 || sec < arg.seconds) { await e.trainStep(x, y, B, T, o); steps++; sec = (performance.now() - t0) / 1000; }
  const one = I([1]); const lat = [];
  const state = new Float32Array(arg.stateFloats);
  for (let i = 0; i < 21; i++) { const t = performance.now(); await e.step(state, one); lat.push(performance.now() - t); }
  lat.sort((a, b) => a - b);
  return { charsPerSec: steps * B * T / sec, dispatches: e.dispatchesPerStep(B, T), latencyMs: lat[10] };
`;

const rows: string[] = [];
for (const p of presets) {
  const s = specOf(p);
  const T = PRESETS[p].seqLen;
  for (const B of batches) {
    const w = initWeights(s, 1);
    const rng = new Rng(B);
    const x = Array.from({ length: B * T }, () => rng.int(s.vocab.length));
    const y = Array.from({ length: B * T }, () => rng.int(s.vocab.length));
    // CPU kernel, same steps.
    const cpu = new NativeEngine(kernel as NativeKernel, s, w);
    const o = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
    const xi = Int32Array.from(x);
    const yi = Int32Array.from(y);
    await cpu.trainStep(xi, yi, B, T, o);
    let steps = 0;
    const t0 = performance.now();
    let sec = 0;
    while (steps < 3 || sec < seconds) {
      await cpu.trainStep(xi, yi, B, T, o);
      steps++;
      sec = (performance.now() - t0) / 1000;
    }
    const cpuSpeed = (steps * B * T) / sec;
    // A suggestion's cost per character: one step of the state and the next-token logits, as
    // LstmRunner does it on the kernel, against the WebGPU engine's step().
    const runner = new LstmRunner(s, w, kernel);
    const state = runner.zeroState();
    const lat: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      runner.step(state, 1);
      runner.logits(state);
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    cpu.dispose();
    const g = await gpu.run<{ charsPerSec: number; dispatches: number; latencyMs: number }>(s, w, TIMED_STEPS, {
      B,
      T,
      V: s.vocab.length,
      x,
      y,
      seconds,
      stateFloats: 2 * s.units.reduce((a, h) => a + h, 0),
    });
    const row = `| ${p} (${s.units.length}×${s.units[0]}) | ${B} × ${T} | ${Math.round(cpuSpeed).toLocaleString('en-US')} | ${Math.round(g.charsPerSec).toLocaleString('en-US')} | **${(g.charsPerSec / cpuSpeed).toFixed(2)}×** | ${g.dispatches} | ${lat[10].toFixed(2)} ms | ${g.latencyMs.toFixed(2)} ms |`;
    rows.push(row);
    console.log(row);
  }
}
console.log(
  '\n| preset | batch × seq | CPU kernel chars/s | WebGPU chars/s | WebGPU / CPU | dispatches/step | 1-char step, CPU | 1-char step, WebGPU |\n|---|---|---|---|---|---|---|---|',
);
for (const r of rows) console.log(r);

if (quality > 0) {
  // Time to the same validation loss: each engine trains `quality` seconds from the same weights on
  // the same batches; the target is the worse of the two final losses.
  const text = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'tinyshakespeare-300k.txt'), 'utf8');
  console.log('\n| preset | CPU kernel: s to target | WebGPU: s to target | target (nats) |\n|---|---|---|---|');
  for (const p of presets) {
    const s = specOf(p);
    const tok = CharTokenizer.fromSpec(s);
    const cut = Math.floor(text.length * 0.9);
    const data = { train: tok.encode(text.slice(0, cut)), val: tok.encode(text.slice(cut)) };
    const config: TrainConfig = {
      ...DEFAULT_TRAIN,
      seqLen: PRESETS[p].seqLen,
      batch: PRESETS[p].batch,
      maxTimeSec: quality,
      evalEvery: 50,
      patience: 1_000_000,
      checkpointEverySec: 1e9,
    };
    const w = initWeights(s, 1);
    const curve: { sec: number; val: number }[] = [];
    await runTraining(new NativeEngine(kernel as NativeKernel, s, w), data, config, initialTrainerState(config), {
      onProgress() {},
      onEval: (ev) => void curve.push({ sec: ev.elapsedSec, val: ev.valLoss }),
      onCheckpoint() {},
      shouldStop: () => null,
    });
    const gpuCurve = await gpu.run<{ sec: number; val: number }[]>(
      s,
      w,
      `const curve = [];
       await nib.runTraining(e, { train: I(arg.train), val: I(arg.val) }, arg.config, nib.initialTrainerState(arg.config), {
         onProgress() {}, onEval(ev) { curve.push({ sec: ev.elapsedSec, val: ev.valLoss }); }, onCheckpoint() {}, shouldStop: () => null });
       return curve;`,
      { train: Array.from(data.train), val: Array.from(data.val), config },
    );
    const target = Math.max(curve.at(-1)?.val ?? Infinity, gpuCurve.at(-1)?.val ?? Infinity);
    const reach = (c: { sec: number; val: number }[]) => c.find((pt) => pt.val <= target)?.sec;
    console.log(
      `| ${p} | ${reach(curve)?.toFixed(1) ?? '—'} | ${reach(gpuCurve)?.toFixed(1) ?? '—'} | ${target.toFixed(3)} |`,
    );
  }
}
await gpu.close();
