#!/usr/bin/env node
// Compiles the fused LSTM kernel (a Node-API addon) with node-gyp. Runs after `npm ci`/`npm install`.
// A failed build never fails the install: Nib then trains on tfjs and `nib info` says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      path.resolve(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.resolve(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c) => c && existsSync(c));
}

const gyp = nodeGyp();
let ok = false;
let why = 'node-gyp not found (it ships with npm)';
if (gyp) {
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release'], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  ok = r.status === 0;
  why =
    (r.stderr || r.stdout || '')
      .split('\n')
      .filter((l) => /error/i.test(l))
      .slice(0, 5)
      .join('\n') || `node-gyp exited with ${r.status}`;
}
if (ok) console.log('nib: built the fused LSTM kernel (native/build/Release/nib_kernel.node)');
else {
  console.warn(`nib: the fused LSTM kernel was not built; training will use tfjs instead.\n${why}`);
  if (strict) process.exit(1);
}
