import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadNativeKernel } from './native-kernel.ts';

const require = createRequire(import.meta.url);

/**
 * tfjs engines in the order Nib prefers them, and 'webgpu': never picked by this order (the first
 * training run of each model size times it against the others, services/engine-choice.ts), but
 * NIB_BACKEND=webgpu forces it for training, with the CPU engines below it for the rest.
 */
export const BACKENDS = ['gpu', 'node', 'kernel', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const BACKEND_LABELS: Record<BackendName, string> = {
  gpu: 'tfjs-node-gpu (CUDA)',
  node: 'tfjs-node (native TensorFlow, CPU)',
  kernel: "Nib's fused LSTM kernel (native, CPU)",
  wasm: 'tfjs-backend-wasm (WebAssembly SIMD, CPU)',
  cpu: 'tfjs cpu (pure JavaScript)',
  webgpu: 'WebGPU (training on the GPU through Dawn)',
};

export interface BackendReport {
  /** The engine in use. */
  name: BackendName;
  label: string;
  /** tfjs's own name for it (tensorflow, wasm, cpu). */
  tfBackend: string;
  /** For each engine: 'in use', or why it was not used. */
  status: Record<BackendName, string>;
  versions: Record<string, string>;
  forcedBy: string | null;
  /** With name 'webgpu': the engine that does everything but WebGPU's training (and trains when it cannot). */
  under?: BackendName;
}

let current: BackendReport | null = null;

function packageVersion(name: string): string | null {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

function loadError(pkg: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(pkg)) {
    return `not installed (${pkg} is optional; its install downloads libtensorflow, which failed or was skipped on this machine)`;
  }
  return `failed to load: ${String(err.message).split('\n')[0]}`;
}

/**
 * Picks the fastest tfjs engine that works here: tfjs-node-gpu, tfjs-node, wasm, then cpu.
 * `NIB_BACKEND` (or `prefer`) forces one. Every engine passed over gets a reason a user can act on.
 * tfjs-node binds native code that loads once per process, so this runs once per ML host process.
 */
export async function initBackend(prefer: string | undefined = process.env.NIB_BACKEND): Promise<BackendReport> {
  if (current) return current;
  const forced = prefer && prefer !== 'auto' ? prefer : null;
  if (forced && !(BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(`unknown backend "${forced}" (NIB_BACKEND): use one of ${BACKENDS.join(', ')} or auto`);
  }
  const status = Object.fromEntries(BACKENDS.map((b) => [b, ''])) as Record<BackendName, string>;
  let chosen: BackendName | null = null;
  for (const name of BACKENDS) {
    if (name === 'webgpu') {
      status.webgpu =
        forced === 'webgpu'
          ? 'forced for training (NIB_BACKEND=webgpu); if it cannot train, the CPU engine trains and says why'
          : 'timed against the CPU engines at the first training run of each model size, where an adapter exists';
      continue;
    }
    if (chosen) {
      status[name] = `available as a fallback; ${BACKEND_LABELS[chosen]} is preferred`;
      continue;
    }
    if (forced && forced !== 'webgpu' && name !== forced) {
      status[name] = `skipped: NIB_BACKEND=${forced}`;
      continue;
    }
    const why = await tryBackend(name);
    if (why === null) chosen = name;
    else status[name] = why;
  }
  if (!chosen) throw new Error(`backend ${forced} could not start: ${status[forced as BackendName]}`);
  status[chosen] = forced === 'webgpu' ? 'in use beside WebGPU (inference, evaluation, export)' : 'in use';
  const versions: Record<string, string> = { '@tensorflow/tfjs': tf.version.tfjs };
  for (const p of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu']) {
    const v = packageVersion(p);
    if (v) versions[p] = v;
  }
  const label =
    chosen === 'kernel'
      ? `${BACKEND_LABELS.kernel.slice(0, -1)}, ${loadNativeKernel().why.replace(/^loaded \((.*)\)$/, '$1')})`
      : BACKEND_LABELS[chosen];
  current = {
    name: forced === 'webgpu' ? 'webgpu' : chosen,
    label: forced === 'webgpu' ? `${BACKEND_LABELS.webgpu}; ${label} for the rest` : label,
    tfBackend: tf.getBackend(),
    status,
    versions,
    forcedBy: forced ? 'NIB_BACKEND' : null,
    ...(forced === 'webgpu' && { under: chosen }),
  };
  return current;
}

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    switch (name) {
      case 'gpu':
      case 'node': {
        const pkg = name === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
        try {
          require(pkg);
        } catch (e) {
          return loadError(pkg, e);
        }
        return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow'
          ? null
          : 'loaded, but the tensorflow backend did not initialise';
      }
      case 'kernel': {
        const { kernel, why } = loadNativeKernel();
        if (!kernel) return why;
        // Training and inference run in the kernel; tfjs still serves model export and import.
        if ((await startWasm()) !== null) await tf.setBackend('cpu');
        return null;
      }
      case 'wasm':
        return startWasm();
      case 'cpu':
        return (await tf.setBackend('cpu')) ? null : 'failed to initialise';
      case 'webgpu':
        return 'trains only (services/engine-choice.ts)';
    }
  } catch (e) {
    return `failed: ${(e as Error).message}`;
  }
}

async function startWasm(): Promise<string | null> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  patchWasmKernels();
  wasm.setWasmPaths(
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep,
  );
  // setBackend returns false (and tfjs silently stays on cpu) when wasm fails: check.
  return (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm'
    ? null
    : 'the WebAssembly module failed to initialise';
}

let patched = false;

/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul with transposeA/transposeB through a slow scalar loop
 * instead of XNNPACK (measured 7× slower training). Backpropagation through a matmul produces
 * exactly those transposed products, so we materialise the transposed operand with the wasm
 * Transpose kernel and hand XNNPACK a plain product.
 */
function patchWasmKernels(): void {
  if (patched) return;
  patched = true;
  const orig = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!orig || !transpose) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: orig.setupFunc,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as {
        inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
        attrs: { transposeA: boolean; transposeB: boolean };
        backend: { disposeData(id: object): void };
      };
      if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
      const temps: tf.TensorInfo[] = [];
      const flip = (x: tf.TensorInfo) => {
        const r = x.shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const t = transpose.kernelFunc({ inputs: { x }, attrs: { perm }, backend } as never) as tf.TensorInfo;
        temps.push(t);
        return t;
      };
      const a = attrs.transposeA ? flip(inputs.a) : inputs.a;
      const b = attrs.transposeB ? flip(inputs.b) : inputs.b;
      const out = orig.kernelFunc({
        ...args,
        inputs: { ...inputs, a, b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      } as never);
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    },
  });
}

export function backendReport(): BackendReport | null {
  return current;
}
