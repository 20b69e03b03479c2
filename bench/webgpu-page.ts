import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import type { Weights } from '../src-main/ml/weights.ts';

/*
 * A page that runs Nib's WebGPU engine (src-main/ml/webgpu/) in Chromium, for its tests
 * (test/webgpu.test.ts, on SwiftShader here) and for `npm run bench:gpu` (on a real GPU). The
 * engine and the training loop are bundled as they would be for Electron's renderer; WebGPU needs a
 * secure context, so the page is served from http://127.0.0.1.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.NIB_CHROMIUM ?? '/usr/bin/chromium';

/** The page's side: makes a device and an engine over the given weights and runs a body with it. */
const HARNESS = `
import { WebGpuEngine } from './src-main/ml/webgpu/webgpu-engine.ts';
import { initialTrainerState, runTraining } from './src-main/ml/train-loop.ts';
import { trainWithFallback } from './src-main/ml/engine-fallback.ts';
import { TfjsEngine } from './src-main/ml/tfjs-engine.ts';
import * as tf from '@tensorflow/tfjs';
// The CPU engine a failed GPU run falls back to, in a page: tfjs on its JavaScript backend.
globalThis.nib = {
  initialTrainerState, runTraining, trainWithFallback,
  cpuEngine: async (s, w) => { await tf.setBackend('cpu'); return new TfjsEngine(s, w); },
};
globalThis.adapterInfo = async () => {
  if (!navigator.gpu) return null;
  const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  return a ? { vendor: a.info?.vendor, architecture: a.info?.architecture, description: a.info?.description, limits: {
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.limits.maxComputeInvocationsPerWorkgroup } } : null;
};
globalThis.runEngine = async ({ s, w, body, arg }) => {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice({ requiredLimits: {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const weights = w.map((a) => ({ name: a.name, shape: a.shape, data: Float32Array.from(a.data) }));
  const e = new WebGpuEngine(device, s, weights, adapter.info?.description || adapter.info?.vendor || 'adapter');
  const I = (a) => Int32Array.from(a);
  try {
    return await new Function('e', 'arg', 'I', 'device', 'spec', 'return (async () => { ' + body + ' })();')(e, arg, I, device, s);
  } finally {
    e.dispose();
    device.destroy();
  }
};
`;

export interface WebGpuPage {
  page: Page;
  /**
   * Runs `body` (JavaScript; `e` is the engine, `arg` the argument, `I` makes an Int32Array,
   * `device` is the engine's GPUDevice, `spec` the model's) in the page; `nib` holds the training
   * loop, the fallback runner and a CPU engine maker.
   */
  run<T>(s: ModelSpec, w: Weights, body: string, arg?: unknown): Promise<T>;
  adapter(): Promise<{
    vendor: string;
    architecture: string;
    description: string;
    limits: Record<string, number>;
  } | null>;
  close(): Promise<void>;
}

/** Weights as plain arrays, to cross into the page. */
const plain = (w: Weights) => w.map((a) => ({ name: a.name, shape: a.shape, data: Array.from(a.data) }));

/**
 * Opens the page. `gpu: true` asks Chromium for the machine's GPU (Vulkan); otherwise it gets
 * SwiftShader, its software adapter.
 */
export async function openWebGpuPage(opts: { gpu?: boolean } = {}): Promise<WebGpuPage> {
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
  });
  const js = bundle.outputFiles[0].text;
  const server = http.createServer((req, res) => {
    if (req.url === '/engine.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>webgpu</title><script src="/engine.js"></script>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--no-first-run',
      '--disable-sync',
      ...(opts.gpu ? ['--enable-features=Vulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist'] : []),
    ],
  });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return {
    page,
    // A plain arrow: tsx's name helpers would not exist in the page, so the harness lives in the bundle.
    run: (s, w, body, arg = null) =>
      page.evaluate((a) => (globalThis as unknown as { runEngine: (x: unknown) => Promise<unknown> }).runEngine(a), {
        s,
        w: plain(w),
        body,
        arg,
      }) as Promise<never>,
    adapter: () =>
      page.evaluate(() =>
        (globalThis as unknown as { adapterInfo: () => Promise<unknown> }).adapterInfo(),
      ) as Promise<never>,
    async close() {
      await browser.close();
      server.close();
    },
  };
}
