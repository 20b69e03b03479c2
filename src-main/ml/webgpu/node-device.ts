import type { GpuDevice } from './gpu.ts';
import { dawnGpu, probeNodeWebGpu } from './node-adapter.ts';

/** A GPU device of Dawn for Node (the optional `webgpu` package) in this process, and its name. */
export interface NodeGpuDevice {
  device: GpuDevice;
  adapter: string;
}

/**
 * The WebGPU adapter this process can train on, or why there is none. The adapter is looked for in a
 * child process first (node-adapter.ts): loading Dawn only once an adapter is known to exist keeps
 * a machine without a GPU from paying for it (or hearing its driver warnings). A software adapter
 * (SwiftShader, lavapipe) is far slower than Nib's CPU kernel: it is refused unless
 * NIB_WEBGPU_SOFTWARE=1 (tests use it to run the real path on a machine without a GPU).
 */
export async function nodeWebGpu(): Promise<{ adapter: string } | { why: string }> {
  const probe = await probeNodeWebGpu();
  if ('why' in probe) return probe;
  const a = probe.adapter;
  if (a.software && process.env.NIB_WEBGPU_SOFTWARE !== '1')
    return {
      why: `only a software adapter (${a.description || a.architecture}), which emulates a GPU on the CPU far slower than Nib's kernel (NIB_WEBGPU_SOFTWARE=1 uses it anyway)`,
    };
  return { adapter: [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'GPU' };
}

/**
 * A new device on the machine's WebGPU adapter, for one training engine (which destroys it when
 * disposed, so a failed device takes nothing else with it). Its limits are raised to the
 * adapter's, for large models' buffers. Resolves to the reason instead where there is no device.
 */
export async function openNodeDevice(): Promise<NodeGpuDevice | { why: string }> {
  const found = await nodeWebGpu();
  if ('why' in found) return found;
  try {
    const adapter = await (await dawnGpu()).requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { why: 'the WebGPU adapter found by the probe was not offered to this process' };
    const l = adapter.limits;
    const device = (await adapter.requestDevice({
      label: 'nib training',
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      },
    })) as GpuDevice;
    loseOnRequest(device);
    const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ');
    return { device, adapter: name || adapter.info?.description || 'GPU' };
  } catch (e) {
    return { why: `WebGPU failed to start: ${String((e as Error).message ?? e).split('\n')[0]}` };
  }
}

/**
 * Fault injection for the fallback's tests: NIB_WEBGPU_LOSE_AFTER=N destroys the real device right
 * after its N-th submission, as a driver reset would, so training must go on on the CPU kernel.
 */
function loseOnRequest(device: GpuDevice): void {
  const after = Number(process.env.NIB_WEBGPU_LOSE_AFTER);
  if (!(after > 0)) return;
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  let n = 0;
  queue.submit = (commands) => {
    submit(commands);
    if (++n === after) device.destroy();
  };
}
