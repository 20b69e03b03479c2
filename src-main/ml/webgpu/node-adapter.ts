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

const PROBE = `
let out;
try {
  const m = await import('webgpu');
  Object.assign(globalThis, m.globals);
  const a = await m.create([]).requestAdapter({ powerPreference: 'high-performance' });
  out = a
    ? { adapter: { vendor: a.info?.vendor ?? '', architecture: a.info?.architecture ?? '', description: a.info?.description ?? '',
        limits: { maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize, maxBufferSize: a.limits.maxBufferSize,
          maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup } } }
    : { why: 'no WebGPU adapter: no GPU with a Vulkan, Metal or Direct3D 12 driver was found' };
} catch (e) {
  out = { why: e?.code === 'ERR_MODULE_NOT_FOUND'
    ? 'not installed (the optional webgpu package, Dawn for Node, provides WebGPU outside a browser)'
    : 'failed to load: ' + String(e?.message ?? e).split('\\n')[0] };
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

let probed: Promise<WebGpuProbe> | null = null;

/**
 * Looks for a WebGPU adapter through Dawn for Node, in a child process of its own: the native
 * library prints driver warnings on stderr and may take a while, and neither belongs in the
 * caller's output or on its event loop. Once per process; at most 20 seconds.
 */
export function probeNodeWebGpu(): Promise<WebGpuProbe> {
  // In the desktop app the ML host is Electron's utility process, whose binary (fuses: no
  // RunAsNode) would start the app again rather than run a script; there WebGPU belongs to the
  // app's windows, which this does not probe yet.
  if (process.versions.electron)
    return Promise.resolve({ why: 'not probed in the desktop app yet (its WebGPU lives in its windows)' });
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
