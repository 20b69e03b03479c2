import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FILE_NAME_BYTES, safeFileName } from '../src-renderer/lib/file-name.ts';

test('a file name from a title: no separators or control characters, and short enough for any file system', () => {
  assert.equal(safeFileName('Notes:a/b\\c?\u0007'), 'Notes a b c');
  assert.equal(safeFileName(' / '), 'Untitled');
  assert.equal(safeFileName('', 'model'), 'model');
  // A 500-character title (the longest allowed) would make a name past the 255 bytes of ext4 and NTFS.
  const long = safeFileName('x'.repeat(500));
  assert.equal(long.length, FILE_NAME_BYTES);
  // Cut at whole characters, counted in UTF-8: "é" is two bytes, "𝄞" four (a surrogate pair in JS).
  const accents = safeFileName('é'.repeat(300));
  assert.equal(new TextEncoder().encode(accents).length, FILE_NAME_BYTES);
  const clefs = safeFileName('𝄞'.repeat(100));
  assert.equal(Array.from(clefs).length, FILE_NAME_BYTES / 4);
  assert.ok(!/[\ud800-\udbff]$/.test(clefs), 'no half of a pair at the end');
  assert.ok(new TextEncoder().encode(`${safeFileName('ü'.repeat(400))}.md`).length <= 255);
});
