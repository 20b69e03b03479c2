import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { unzip, zipStore } from '../src-renderer/lib/zip.ts';
import { tempDir } from './helpers.ts';

// The app's .zip of a model folder (src-renderer/lib/zip.ts), checked against independent tools:
// Python's zipfile reads what it writes, and it reads what Python writes, stored or deflated.
const python = ['/usr/bin/python3', 'python3'].find((p) => {
  try {
    execFileSync(p, ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

test(
  'a .zip written by the app is read back by Python’s zipfile, byte for byte',
  { skip: !python && 'no Python here' },
  () => {
    const dir = tempDir('nib-zip-');
    try {
      const weights = new Uint8Array(100_000).map((_, i) => (i * 7919) & 0xff);
      const entries = [
        { name: 'model.json', data: new TextEncoder().encode('{"format":"layers-model","é":"ü"}') },
        { name: 'group1-shard1of1.bin', data: weights },
        { name: 'vocab.json', data: new TextEncoder().encode('{"vocab":["a"]}') },
      ];
      fs.writeFileSync(path.join(dir, 'm.zip'), zipStore(entries));
      const listing = execFileSync(
        python!,
        [
          '-c',
          'import sys,zipfile,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest())',
          path.join(dir, 'm.zip'),
        ],
        { encoding: 'utf8' },
      );
      const sha = (d: Uint8Array) =>
        execFileSync(python!, ['-c', 'import sys,hashlib;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'], {
          input: d,
          encoding: 'utf8',
        }).trim();
      assert.deepEqual(
        listing.trim().split('\n'),
        entries.map((e) => `${e.name} ${e.data.length} ${sha(e.data)}`),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'the app reads a .zip a writer made of the folder: deflated, with its folder in the names',
  { skip: !python && 'no Python here' },
  async () => {
    const dir = tempDir('nib-zip-');
    try {
      fs.mkdirSync(path.join(dir, 'my model'));
      fs.writeFileSync(path.join(dir, 'my model', 'model.json'), '{"a": 1}'.repeat(1000));
      fs.writeFileSync(path.join(dir, 'my model', 'vocab.json'), '{"vocab": []}');
      execFileSync(python!, [
        '-c',
        'import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nos.chdir(sys.argv[2])\nz.write("my model")\nfor f in sorted(os.listdir("my model")): z.write(os.path.join("my model",f))\nz.close()',
        path.join(dir, 'x.zip'),
        dir,
      ]);
      const files = await unzip(new Uint8Array(fs.readFileSync(path.join(dir, 'x.zip'))));
      assert.deepEqual(
        files.map((f) => [f.name, new TextDecoder().decode(f.data)]),
        [
          ['model.json', '{"a": 1}'.repeat(1000)],
          ['vocab.json', '{"vocab": []}'],
        ],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('damaged and hostile archives are refused with a reason, never inflated past their stated size', async () => {
  const good = zipStore([{ name: 'a.txt', data: new TextEncoder().encode('hello') }]);
  await assert.rejects(unzip(new Uint8Array([1, 2, 3])), /not a \.zip/);
  const flipped = good.slice();
  flipped[30 + 5] ^= 0xff; // a byte of the stored data
  await assert.rejects(unzip(flipped), /damaged/);
  await assert.rejects(unzip(good.slice(0, 20).length ? good.subarray(10) : good), /damaged|not a \.zip/);
  // A zip bomb: 50 MB of zeros deflated to ~50 KB, its header claiming 1 KB.
  const bomb = zlib.deflateRawSync(Buffer.alloc(50 * 1024 * 1024));
  const z = zipStore([{ name: 'bomb.bin', data: new Uint8Array(bomb) }]);
  const v = new DataView(z.buffer);
  const central = v.getUint32(z.length - 22 + 16, true);
  v.setUint16(8, 8, true); // local: deflated
  v.setUint16(central + 10, 8, true);
  v.setUint32(central + 24, 1024, true); // stated size
  await assert.rejects(unzip(z), /beyond its stated size/);
});
