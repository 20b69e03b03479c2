import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fused LSTM kernel's Node-API surface (native/src/addon.c). */
export interface NativeKernel {
  create(vocab: number, embedding: number, units: Int32Array, hardSigmoid: boolean): object;
  trainStep(
    model: object,
    params: Float32Array,
    grads: Float32Array,
    x: Int32Array,
    y: Int32Array,
    batch: number,
    seqLen: number,
    dropout: number,
    seed: number,
  ): number;
  evaluate(model: object, params: Float32Array, x: Int32Array, y: Int32Array, batch: number, seqLen: number): number;
  logits(model: object, params: Float32Array, x: Int32Array, batch: number, seqLen: number, out: Float32Array): void;
  adam(
    params: Float32Array,
    grads: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
    clip: number,
  ): number;
  step(model: object, params: Float32Array, state: Float32Array, token: number, logits: Float32Array | null): void;
  /** Seconds per phase of training since the last call (when NIB_KERNEL_PROFILE=1 at create time). */
  profile(model: object): { phase: string; seconds: number }[];
  setThreads(n: number): number;
  info(): { isa: string; threads: number };
  /** Let this model's training steps pick their thread count by timing (on at creation). */
  setAdaptive(model: object, enabled: boolean): void;
  /** Threads this model's training steps use now, and how often that changed. */
  threadInfo(model: object): { width: number; switches: number };
}

const ADDON = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'native',
  'build',
  'Release',
  'nib_kernel.node',
);

/** NIB_THREADS fixes the thread count; otherwise the kernel adapts it to the machine's load. */
export function threadsFixed(): boolean {
  return Number(process.env.NIB_THREADS) > 0;
}

let loaded: { kernel: NativeKernel | null; why: string } | null = null;

/**
 * Loads the native kernel once per process. Threads: NIB_THREADS, else one per core the OS
 * reports available; training steps then use as many of them as is fastest at the moment (see
 * `threadsFixed`). Returns null with the reason when it cannot load (not built, wrong platform).
 */
export function loadNativeKernel(): { kernel: NativeKernel | null; why: string } {
  if (loaded) return loaded;
  try {
    const kernel = createRequire(import.meta.url)(ADDON) as NativeKernel;
    const want = Number(process.env.NIB_THREADS) || (os.availableParallelism?.() ?? os.cpus().length);
    kernel.setThreads(Math.max(1, Math.min(64, want)));
    const { isa, threads } = kernel.info();
    loaded = { kernel, why: `loaded (${isa}, ${threads} thread${threads === 1 ? '' : 's'})` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'MODULE_NOT_FOUND' || /cannot open shared object|no such file/i.test(err.message)
        ? 'not built (npm ci compiles it with node-gyp; it needs a C compiler: run `npm run build:kernel` to see why it failed)'
        : `failed to load: ${err.message.split('\n')[0]}`;
    loaded = { kernel: null, why };
  }
  return loaded;
}
