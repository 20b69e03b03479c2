import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `nib info` and Settings show of the machine's WebGPU adapter, or why there is none. */
export type WebGpuProbe =
  | {
      adapter: {
        vendor: string;
        architecture: string;
        description: string;
        limits: Record<string, number>;
        /** A CPU emulation (SwiftShader, lavapipe): far slower than Nib's kernel, not used unless asked. */
        software: boolean;
      };
    }
  | { why: string };

// Two folders up from this module, in the source tree (src-main/ml/webgpu → the root holds
// node_modules) and in the bundle (dist/app → the root): where `webgpu` is looked up from.
const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(import.meta.url.endsWith('.ts') ? ['..'] : []),
);

// The probe, as a script for a child process (probeInProcess below is the same for the desktop
// app's ML host, a utility process that cannot start a plain Node child: keep the two in step).
const PROBE_BODY = `
  const m = await import('webgpu');
  const a = await m.create([]).requestAdapter({ powerPreference: 'high-performance' });
  return a
    ? { adapter: { vendor: a.info?.vendor ?? '', architecture: a.info?.architecture ?? '', description: a.info?.description ?? '',
        software: !!a.info?.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test((a.info?.architecture ?? '') + ' ' + (a.info?.description ?? '')),
        limits: { maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize, maxBufferSize: a.limits.maxBufferSize,
          maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup } } }
    : { why: 'no WebGPU adapter: no GPU with a Vulkan, Metal or Direct3D 12 driver was found' };
`;

const notLoaded = (e: { code?: string; message?: string }): WebGpuProbe => ({
  why:
    e?.code === 'ERR_MODULE_NOT_FOUND'
      ? 'not installed (the optional webgpu package, Dawn for Node, provides WebGPU outside a browser)'
      : 'failed to load: ' + String(e?.message ?? e).split('\n')[0],
});

const PROBE = `
let out;
try {
  out = await (async () => { ${PROBE_BODY} })();
} catch (e) {
  out = { why: e?.code === 'ERR_MODULE_NOT_FOUND'
    ? 'not installed (the optional webgpu package, Dawn for Node, provides WebGPU outside a browser)'
    : 'failed to load: ' + String(e?.message ?? e).split('\\n')[0] };
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

let probed: Promise<WebGpuProbe> | null = null;

/** What this module and node-device.ts use of a Dawn adapter. */
export interface DawnAdapter {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  requestDevice(desc?: { requiredLimits?: Record<string, number>; label?: string }): Promise<unknown>;
}

let dawn: Promise<{ requestAdapter(o?: { powerPreference?: string }): Promise<DawnAdapter | null> }> | null = null;

/**
 * This process's one Dawn instance (the optional `webgpu` package): the in-process probe and every
 * training device share it, since each instance loads its own copy of the drivers' state.
 */
export function dawnGpu(): NonNullable<typeof dawn> {
  const pkg = 'webgpu'; // a variable: the bundle leaves the optional native package to run time
  dawn ??= import(pkg).then((m: { create(flags: string[]): Awaited<NonNullable<typeof dawn>> }) => m.create([]));
  return dawn;
}

/** PROBE_BODY's work in this process (the desktop app's ML host): the same answer, in TypeScript. */
async function probeInProcess(): Promise<WebGpuProbe> {
  try {
    const a = await (await dawnGpu()).requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return { why: 'no WebGPU adapter: no GPU with a Vulkan, Metal or Direct3D 12 driver was found' };
    const info = a.info ?? {};
    const l = a.limits;
    return {
      adapter: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        description: info.description ?? '',
        software:
          !!info.isFallbackAdapter ||
          /swiftshader|llvmpipe|lavapipe/i.test(`${info.architecture ?? ''} ${info.description ?? ''}`),
        limits: {
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      },
    };
  } catch (e) {
    return notLoaded(e as { code?: string });
  }
}

/**
 * Looks for a WebGPU adapter through Dawn for Node, in a child process of its own: the native
 * library prints driver warnings on stderr and may take a while, and neither belongs in the
 * caller's output or on its event loop. Once per process; at most 20 seconds.
 */
export function probeNodeWebGpu(): Promise<WebGpuProbe> {
  // In the desktop app the ML host is Electron's utility process, whose binary (fuses: no
  // RunAsNode) would start the app again rather than run a script; there WebGPU belongs to the
  // app's windows, which this does not probe yet.
  if (process.versions.electron) {
    // The app's main process keeps no GPU driver in it; its ML host (a utility process, already
    // apart from the window) loads Dawn itself when a training run asks.
    if ((process as { type?: string }).type !== 'utility')
      return Promise.resolve({ why: 'looked for by the ML host when a training run starts (see the run’s engine)' });
    // At most 20 seconds, as for the child: a hung driver must not hold up training.
    probed ??= Promise.race([
      probeInProcess(),
      new Promise<WebGpuProbe>((resolve) =>
        setTimeout(() => resolve({ why: 'the WebGPU driver did not answer within 20 s' }), 20_000).unref(),
      ),
    ]);
    return probed;
  }
  probed ??= new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', (e) => resolve({ why: `the probe could not start: ${e.message}` }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as WebGpuProbe);
      } catch {
        resolve({ why: `the probe ended without an answer (${signal ?? `exit ${code}`})` });
      }
    });
  });
  return probed;
}
