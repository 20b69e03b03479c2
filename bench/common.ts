import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout: the folder above this module that holds package.json (bench/, or dist/gpu-bench/ when packed). */
export const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
/**
 * The whole tiny-shakespeare (1.1 MB) where a checkout has it beside it (NIB_BENCH_DATA names
 * another copy); else the first 300,000 characters the tests use (test/fixtures, source there).
 */
const WHOLE = path.resolve(ROOT, '..', 'shared', 'data', 'tinyshakespeare.txt');
export const DATA =
  process.env.NIB_BENCH_DATA ??
  (fs.existsSync(WHOLE) ? WHOLE : path.join(ROOT, 'test', 'fixtures', 'tinyshakespeare-300k.txt'));
export const PYTHON = '/usr/bin/python3';

/** The value after `--name` on the command line, else `fallback`; without a fallback the flag is required. */
export function opt(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Runs the PyTorch reference (bench/torch_ref.py) in this same run; null with a reason if it cannot. */
export function torchReference(args: string[]): { result: Record<string, number | string> | null; why?: string } {
  if (!fs.existsSync(PYTHON)) return { result: null, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'torch_ref.py'), '--data', DATA, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const why = /No module named 'torch'/.test(r.stderr)
      ? 'PyTorch is not installed: apt-get install -y python3-torch libopenblas0-openmp'
      : r.stderr.trim().split('\n').at(-1);
    return { result: null, why };
  }
  return { result: JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

export { percentile } from '../src-main/services/evaluate.ts';
