import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { importPaths } from '../src-main/services/library.ts';
import { NibError } from '../src-main/api/errors.ts';
import { corpusTexts, getCorpus, listDocuments } from '../src-main/store/corpora.ts';
import { integrityCheck, openDb, type Db } from '../src-main/store/db.ts';
import { htmlToText } from '../src-main/text/html.ts';
import { makeDocx, makeZip, tempDir } from './helpers.ts';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = tempDir();
  db = openDb(path.join(dir, 'data'));
});

afterEach(() => {
  assert.equal(integrityCheck(db), 'ok');
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, data: Buffer | string): string {
  const p = path.join(dir, 'in', name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}

function importOne(file: string, maxSize?: number) {
  const r = importPaths(db, { paths: [file], corpus: 'c', maxSize });
  assert.equal(r.files.length, 1);
  return r.files[0];
}

describe('import rules', () => {
  test('UTF-8 text with CRLF line endings is imported with \\n', () => {
    const o = importOne(write('a.txt', 'Hello,\r\nworld.\rBye\n'));
    assert.equal(o.status, 'imported');
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'c')!.id), ['Hello,\nworld.\nBye\n']);
  });

  test('UTF-8 with BOM loses the BOM', () => {
    importOne(write('bom.md', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Title\nçà')])));
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'c')!.id), ['# Title\nçà']);
  });

  test('UTF-16LE with BOM is decoded', () => {
    const text = 'Grüße, 世界 — ok\r\n';
    const o = importOne(write('le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    assert.equal(o.status, 'imported');
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'c')!.id), ['Grüße, 世界 — ok\n']);
  });

  test('UTF-16BE with BOM is decoded', () => {
    const le = Buffer.from('big end', 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    const o = importOne(write('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    assert.equal(o.status, 'imported');
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'c')!.id), ['big end']);
  });

  test('invalid UTF-8 is refused with the byte offset', () => {
    const o = importOne(write('bad.txt', Buffer.from([0x61, 0x62, 0xc3, 0x28, 0x63])));
    assert.equal(o.status, 'skipped');
    assert.equal(o.code, 'invalid-encoding');
    assert.match(o.reason!, /invalid UTF-8 at byte 2/);
    // Nothing stored (and an import that adds nothing creates no empty corpus).
    const c = getCorpus(db, 'c');
    assert.equal(c ? listDocuments(db, c.id).length : 0, 0);
  });

  test('a binary file is refused', () => {
    const o = importOne(write('img.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01])));
    assert.equal(o.code, 'binary');
    assert.match(o.reason!, /binary file \(a NUL byte at offset 4\)/);
  });

  test('an empty file and a whitespace-only file are refused', () => {
    assert.equal(importOne(write('empty.txt', '')).code, 'empty');
    assert.equal(importOne(write('blank.txt', ' \n\t\n')).code, 'empty');
  });

  test('a duplicate within the corpus is skipped', () => {
    assert.equal(importOne(write('one.txt', 'same words')).status, 'imported');
    const o = importOne(write('two.txt', 'same words'));
    assert.equal(o.code, 'duplicate');
    assert.match(o.reason!, /already in corpus "c"/);
    // The same text in another corpus is fine.
    const other = importPaths(db, { paths: [path.join(dir, 'in', 'two.txt')], corpus: 'other' });
    assert.equal(other.imported, 1);
  });

  test('a file over --max-size is refused before it is read', () => {
    const o = importOne(write('big.txt', 'x'.repeat(2000)), 1000);
    assert.equal(o.code, 'too-large');
    assert.match(o.reason!, /too large \(2\.0 KB > --max-size 1000 B\)/);
  });

  test('unsupported extensions are refused', () => {
    assert.equal(importOne(write('x.pdf', '%PDF')).code, 'unsupported');
  });

  test('.docx gives its paragraphs', () => {
    const o = importOne(write('letter.docx', makeDocx(['Dear Ann,', 'It is <late> & dark.'])));
    assert.equal(o.status, 'imported', o.reason);
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'c')!.id), ['Dear Ann,\nIt is <late> & dark.']);
  });

  test('a .docx zip bomb is refused by its compression ratio', () => {
    const xml = Buffer.from(
      `<w:document><w:body><w:p><w:r><w:t>${'a'.repeat(5_000_000)}</w:t></w:r></w:p></w:body></w:document>`,
    );
    const o = importOne(write('bomb.docx', makeZip([{ name: 'word/document.xml', data: xml }])));
    assert.equal(o.code, 'bad-document');
    assert.match(o.reason!, /suspicious compression ratio/);
  });

  test('a .docx whose declared size lies is refused', () => {
    const xml = Buffer.from(
      `<w:document><w:body><w:p><w:r><w:t>${'lie '.repeat(1000)}</w:t></w:r></w:p></w:body></w:document>`,
    );
    const o = importOne(write('liar.docx', makeZip([{ name: 'word/document.xml', data: xml, declaredSize: 100 }])));
    assert.equal(o.code, 'bad-document');
  });

  test('a .docx with too many entries is refused', () => {
    const entries = Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x'), store: true }));
    const o = importOne(write('many.docx', makeZip(entries)));
    assert.equal(o.code, 'bad-document');
    assert.match(o.reason!, /too many entries/);
  });

  test('a file named .docx that is not a zip is refused', () => {
    assert.equal(importOne(write('fake.docx', 'just text')).code, 'bad-document');
  });

  test('HTML keeps only visible text', () => {
    const html = `<!doctype html><html><head><title>T</title><style>p{}</style><script>var x = "<p>no</p>";</script></head>
      <body><h1>Title &amp; more</h1><p>First   para<br>line two</p><div hidden>secret</div><ul><li>one</li><li>two</li></ul>
      <pre>  keep   spacing</pre><noscript>no js</noscript></body></html>`;
    assert.equal(htmlToText(html), 'Title & more\n\nFirst para\nline two\n\none\ntwo\n\n  keep   spacing');
    assert.equal(importOne(write('page.html', html)).status, 'imported');
  });

  test('a folder mixing every case: each file gets its outcome, recursively, hidden files passed over', () => {
    write('mix/a.txt', 'alpha text');
    write('mix/sub/b.md', 'beta text');
    write('mix/sub/c.html', '<p>gamma text</p>');
    write('mix/d.docx', makeDocx(['delta text']));
    write('mix/dup.txt', 'alpha text');
    write('mix/e.txt', '');
    write('mix/f.txt', Buffer.from([0xff, 0xfe, 0x00]));
    write('mix/g.txt', Buffer.from([0x00, 0x01]));
    write('mix/h.bin', 'x');
    write('mix/.hidden.txt', 'hidden');
    const r = importPaths(db, { paths: [path.join(dir, 'in', 'mix')], corpus: 'mixed' });
    const byName = Object.fromEntries(r.files.map((f) => [path.basename(f.path), f.code ?? f.status]));
    assert.deepEqual(byName, {
      'a.txt': 'imported',
      'b.md': 'imported',
      'c.html': 'imported',
      'd.docx': 'imported',
      'dup.txt': 'duplicate',
      'e.txt': 'empty',
      'f.txt': 'invalid-encoding',
      'g.txt': 'binary',
      'h.bin': 'unsupported',
    });
    assert.equal(r.imported, 4);
    assert.equal(r.chars, 'alpha text'.length + 'beta text'.length + 'gamma text'.length + 'delta text'.length);
  });

  test('a missing path and a bad corpus name get clear errors', () => {
    assert.throws(
      () => importPaths(db, { paths: [path.join(dir, 'nope')], corpus: 'c' }),
      (e: NibError) => e.code === 'not-found' && /no such file/.test(e.message),
    );
    assert.throws(
      () => importPaths(db, { paths: [dir], corpus: '  ' }),
      (e: NibError) => e.code === 'invalid',
    );
  });
});
