/**
 * Mail as a writer's text (src-main/text/mail.ts): only what the sender wrote survives, whatever the
 * message's MIME structure, transfer encoding and charset; and the importer reads .eml, .mbox and
 * Thunderbird's extensionless folders. Every message here is written for this test, in the shapes
 * real clients produce (Gmail's HTML with <blockquote>, Outlook's top-posted header block, mutt's
 * format=flowed, a Mailman list footer).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { emailToText, looksLikeMbox, mboxToText } from '../src-main/text/mail.ts';
import { importBuffers } from '../src-main/services/library.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';
import { readDocumentFile } from '../src-main/text/read-document.ts';

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

test('a reply keeps the writer’s lines: no headers, quotes, attribution, signature or list footer', () => {
  const msg = `From: Ann Smith <ann@example.org>
To: list@example.org
Subject: Re: the meeting
Date: Tue, 3 Sep 2002 10:00:00 +0100

Hi Bob,

On Mon, 2 Sep 2002, Bob Jones <bob@example.org>
wrote:
> Can we move the meeting to Thursday? I have a clash on
> Wednesday afternoon.

Thursday works for me. I will book the small room on the second floor
and send round the agenda the day before, so that everyone has time to
read it.

> Also, who is taking notes?

I can.

Let me know if anything changes.

--
Ann Smith, Example Ltd
_______________________________________________
List mailing list
`;
  const out = emailToText(crlf(msg));
  assert.equal(
    out.text,
    'Hi Bob,\n\nThursday works for me. I will book the small room on the second floor and send round the agenda the day before, so that everyone has time to read it.\n\nI can.\n\nLet me know if anything changes.',
  );
  assert.deepEqual([out.messages, out.withText], [1, 1]);
});

test('a message saved with its mailbox "From " line first (mutt, mail archives) keeps only its body', () => {
  const msg = [
    'From martin@example.org  Thu Aug 22 14:54:39 2002',
    'Return-Path: <martin@example.org>',
    'Received: from localhost (localhost [127.0.0.1])',
    '\tby mail.example.org with ESMTP id 16FC743F99',
    'From: Martin <martin@example.org>',
    'Subject: Re: carbonara',
    '',
    'You mix the raw egg into the hot pasta and its heat cooks the egg.',
    '',
    'Martin',
    '',
  ].join('\r\n');
  assert.deepEqual(emailToText(utf8(msg)), {
    text: 'You mix the raw egg into the hot pasta and its heat cooks the egg.\n\nMartin',
    messages: 1,
    withText: 1,
  });
});

test('multipart/alternative: the plain part, quoted-printable in UTF-8, soft line breaks joined', () => {
  const msg = `Content-Type: multipart/alternative; boundary="b1"
MIME-Version: 1.0

--b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

The caf=C3=A9 on the corner opens at eight, and I=E2=80=99ll be there with=
 the draft.
--b1
Content-Type: text/html; charset=UTF-8

<p>HTML copy that must not be read twice</p>
--b1--
`;
  assert.equal(emailToText(utf8(msg)).text, 'The café on the corner opens at eight, and I’ll be there with the draft.');
});

test('HTML only: the visible text, without the <blockquote> it answers', () => {
  const msg = `Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

${Buffer.from(
  '<div>Sounds good — see you at six.</div><div class="gmail_quote"><div>On Fri, Ann wrote:</div>' +
    '<blockquote><div>Dinner at six?<blockquote>nested older quote</blockquote> still quoted</div></blockquote></div>' +
    '<div>P.S. Bring the map.</div>',
  'utf8',
)
  .toString('base64')
  .replace(/(.{76})/g, '$1\n')}
`;
  assert.equal(emailToText(utf8(msg)).text, 'Sounds good — see you at six.\nP.S. Bring the map.');
});

test('charsets: a declared windows-1252 / ISO-8859-1 part, and an undeclared one that is not UTF-8', () => {
  const body = Buffer.concat([
    Buffer.from('Content-Type: text/plain; charset=windows-1252\n\nIt costs 20', 'latin1'),
    Buffer.from([0x80]), // € in windows-1252
    Buffer.from(' and it is ', 'latin1'),
    Buffer.from([0x93]),
    Buffer.from('fine', 'latin1'),
    Buffer.from([0x94]),
    Buffer.from('.\n', 'latin1'),
  ]);
  assert.equal(emailToText(body).text, 'It costs 20€ and it is “fine”.');
  const latin1 = Buffer.concat([Buffer.from('Subject: x\n\nNa', 'latin1'), Buffer.from([0xef]), Buffer.from('ve.\n')]);
  assert.equal(emailToText(latin1).text, 'Naïve.');
  assert.equal(emailToText(utf8('Subject: x\n\nNaïve, in UTF-8.\n')).text, 'Naïve, in UTF-8.');
});

test('attachments and forwarded messages are not the writer’s words; format=flowed joins', () => {
  const msg = `Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: text/plain; charset=us-ascii; format=flowed

Here is the report you asked for. The numbers in the second table are 
the ones from March, not April.

Best,
Carol
--outer
Content-Type: text/plain; name=data.txt
Content-Disposition: attachment; filename=data.txt

col1,col2
--outer
Content-Type: message/rfc822

From: someone@example.org
Subject: the forwarded one

Words of somebody else.
--outer
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--outer--
`;
  assert.equal(
    emailToText(utf8(msg)).text,
    'Here is the report you asked for. The numbers in the second table are the ones from March, not April.\n\nBest,\nCarol',
  );
});

test('Outlook top-posting: the quoted header block and everything after it go; PGP armour goes', () => {
  const outlook = `Subject: RE: budget

Yes, please go ahead.

From: Dan <dan@example.org>
Sent: Monday, 4 March 2024 09:12
To: Ann
Subject: budget

Shall I order the chairs?
`;
  assert.equal(emailToText(utf8(outlook)).text, 'Yes, please go ahead.');
  const pgp = `Subject: signed

-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

The release is tagged.
-----BEGIN PGP SIGNATURE-----
iQEzBAEBCAAdFiEE
-----END PGP SIGNATURE-----
`;
  assert.equal(emailToText(utf8(pgp)).text, 'The release is tagged.');
  const forward = `Subject: Fwd: x

FYI, see below.

---------- Forwarded message ---------
From: Eve
Their words.
`;
  assert.equal(emailToText(utf8(forward)).text, 'FYI, see below.');
});

test('an mbox: each message in order, ">From " unescaped, a sentence starting "From " is no separator', () => {
  const mbox = `From ann@example.org Tue Sep  3 10:00:00 2002
From: ann@example.org
Subject: one

First message.
>From the start, I said so.

From the window we could see the sea.

From ann@example.org Wed Sep  4 11:00:00 2002
From: ann@example.org
Subject: two

> only a quote

From MAILER-DAEMON Thu Sep  5 12:00:00 2002
Subject: three

Third message.
`;
  assert.ok(looksLikeMbox(utf8(mbox)));
  assert.ok(!looksLikeMbox(utf8('From the window we could see the sea.\n')));
  const out = mboxToText(crlf(mbox));
  assert.equal(
    out.text,
    'First message.\nFrom the start, I said so.\n\nFrom the window we could see the sea.\n\nThird message.',
  );
  assert.deepEqual([out.messages, out.withText], [3, 2]);
});

test('hostile structure: nesting past the depth limit, a missing boundary and no headers neither crash nor hang', () => {
  let nested = 'Content-Type: text/plain\n\ndeep text\n';
  for (let i = 0; i < 50; i++)
    nested = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${nested}--b${i}--\n`;
  assert.equal(emailToText(utf8(nested)).text, '');
  assert.equal(emailToText(utf8('Content-Type: multipart/mixed\n\n--x\nhello\n')).text, '');
  assert.equal(emailToText(utf8('\nJust a body.\n')).text, 'Just a body.');
  const start = Date.now();
  emailToText(utf8('Content-Type: text/plain\n\n' + '>'.repeat(2_000_000)));
  emailToText(utf8('Subject: x\n\n' + 'On a long line wrote:\n'.repeat(100_000)));
  assert.ok(Date.now() - start < 5_000, 'linear in the size of the message');
});

test('the importer reads .eml, .mbox and Thunderbird’s extensionless folder, and says why a mailbox had no text', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nib-mail-'));
  fs.writeFileSync(path.join(dir, 'note.eml'), 'Subject: x\n\nA note to self.\n');
  fs.writeFileSync(
    path.join(dir, 'Sent'),
    'From - Tue Sep  3 10:00:00 2002\nSubject: a\n\nSent one.\n\nFrom - Tue Sep  3 11:00:00 2002\nSubject: b\n\nSent two.\n',
  );
  fs.writeFileSync(path.join(dir, 'quotes.mbox'), 'From - Tue Sep  3 10:00:00 2002\nSubject: a\n\n> only quoted\n');
  fs.writeFileSync(path.join(dir, 'README'), 'Not a mailbox.\n');
  const eml = readDocumentFile(path.join(dir, 'note.eml'));
  assert.ok(eml.ok && eml.doc.text === 'A note to self.' && eml.doc.format === 'email');
  const sent = readDocumentFile(path.join(dir, 'Sent'));
  assert.ok(sent.ok && sent.doc.format === 'mailbox');
  assert.equal(sent.ok && sent.doc.text, 'Sent one.\n\nSent two.');
  const quotes = readDocumentFile(path.join(dir, 'quotes.mbox'));
  assert.ok(!quotes.ok && quotes.code === 'empty');
  assert.match(!quotes.ok ? quotes.reason : '', /no text of the sender's own in this message/);
  const readme = readDocumentFile(path.join(dir, 'README'));
  assert.ok(!readme.ok && readme.code === 'unsupported');
  assert.match(!readme.ok ? readme.reason : '', /\.eml, \.mbox/);
  fs.rmSync(dir, { recursive: true });
});

test('dropped in the app: a Thunderbird "Sent" file and an .eml are stored as the writer’s text in SQLite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nib-mail-db-'));
  const db = openDb(path.join(dir, 'data'));
  try {
    const result = importBuffers(db, 'mail', [
      { name: 'Sent', data: utf8('From - Tue Sep  3 10:00:00 2002\nSubject: a\n\nDear Ann,\n\n> q\n\nThanks.\n') },
      { name: 'one.eml', data: utf8('Subject: b\n\nSee you soon.\n-- \nBob\n') },
      { name: 'notes', data: utf8('no extension, not a mailbox') },
    ]);
    assert.equal(result.imported, 2);
    assert.equal(result.skipped.unsupported, 1);
    assert.deepEqual(corpusTexts(db, getCorpus(db, 'mail')!.id).sort(), ['Dear Ann,\n\nThanks.', 'See you soon.']);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true });
  }
});

/* Shapes a hostile probe of the reader found (session 17), each kept as it was reported. */
describe('what a hostile probe found', () => {
  test('a mailbox is split in linear time (a last line of digit groups with no line end was quadratic)', () => {
    const mbox = 'From me@x Mon Jan 1 2024\nSubject: a\n\nHi.\n\nFrom x ' + '1234 '.repeat(200_000);
    const t0 = Date.now();
    const out = mboxToText(utf8(mbox));
    assert.ok(Date.now() - t0 < 2_000, `${Date.now() - t0} ms for 1 MB`);
    assert.equal(out.messages, 1);
  });

  test('format=flowed: the signature separator and a quote boundary stop the join', () => {
    const sig = (delsp: string) =>
      emailToText(
        utf8(
          `Content-Type: text/plain; format=flowed${delsp}\n\nHi Sam, \nthanks.\n\n-- \nJohn Smith\nAcme Corp, +1 555 0100\n`,
        ),
      ).text;
    assert.equal(sig(''), 'Hi Sam, thanks.');
    assert.equal(sig('; delsp=yes'), 'Hi Sam,thanks.');
    const answer = 'Content-Type: text/plain; format=flowed\n\n> Can you come on Friday? \nYes, I can come at six.\n';
    assert.equal(emailToText(utf8(answer)).text, 'Yes, I can come at six.');
  });

  test('mbox separators: no blank line before, no date on the line; a body sentence starting "From " is no separator', () => {
    const tight =
      'From me@x.org Mon Jan  1 10:00:00 2024\nSubject: 1\n\nFirst.\nFrom me@x.org Tue Jan  2 10:00:00 2024\nSubject: 2\n\nSecond.\n';
    assert.deepEqual(mboxToText(utf8(tight)), { text: 'First.\n\nSecond.', messages: 2, withText: 2 });
    const undated = 'From me@x.org\nSubject: 1\n\nFirst body.\n\nFrom me@x.org\nSubject: 2\n\nSecond body.\n';
    assert.deepEqual(mboxToText(utf8(undated)), { text: 'First body.\n\nSecond body.', messages: 2, withText: 2 });
    const unescaped =
      'From a Mon Jan  1 10:00:00 2024\nSubject: 1\n\nHello all.\n\nFrom now on the standup moves to 9:30, starting 8 January 2024.\nPlease be on time.\n';
    assert.deepEqual(mboxToText(utf8(unescaped)), {
      text: 'Hello all.\n\nFrom now on the standup moves to 9:30, starting 8 January 2024. Please be on time.',
      messages: 1,
      withText: 1,
    });
  });

  test('other people’s words in other languages and clients are left out', () => {
    const german =
      'Subject: AW: x\n\nDanke, passt.\n\n-----Ursprüngliche Nachricht-----\nVon: Paul <p@x.de>\nGesendet: Montag\nAn: Ann\nBetreff: x\n\nSeine Worte.\n';
    assert.equal(emailToText(utf8(german)).text, 'Danke, passt.');
    const french = 'Subject: RE: x\n\nOui, merci.\n\nDe : Paul\nEnvoyé : lundi\nÀ : Ann\nObjet : x\n\nSes mots.\n';
    assert.equal(emailToText(utf8(french)).text, 'Oui, merci.');
    const attributions =
      'Subject: x\n\nD’accord.\n\nLe lun. 1 janv. 2024, Paul Martin <paul@x.fr> a écrit :\n> ses mots\n\nGut.\n\nAm Montag, 1. Januar 2024 schrieb Paul Müller <paul@x.de>:\n> seine Worte\n';
    assert.equal(emailToText(utf8(attributions)).text, 'D’accord.\n\nGut.');
    const yahoo =
      'Content-Type: text/html; charset=utf-8\n\n<div>Lovely!</div><div class="yahoo_quoted"><div>On Monday, Ann wrote:</div><div>Look at this photo of our cat.</div></div>';
    assert.equal(emailToText(utf8(yahoo)).text, 'Lovely!');
    const files = `Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

See the log.
--b
Content-Type: text/plain
Content-Disposition: inline; filename="server.log"

ERROR 42
--b
Content-Type: text/plain; name="notes.txt"

notes
--b--
`;
    assert.equal(emailToText(utf8(files)).text, 'See the log.');
    const pgp =
      'Subject: x\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nThe list:\n- - first item\n- -- \nAnn\n';
    assert.equal(emailToText(utf8(pgp)).text, 'The list:\n- first item');
    const armour =
      'Subject: x\n\nMy key is below.\n-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\nThanks.\n';
    assert.equal(emailToText(utf8(armour)).text, 'My key is below.\nThanks.');
    assert.equal(emailToText(utf8('Subject: x\n\nOn my way.\n\nSent from my iPhone\n')).text, 'On my way.');
    assert.equal(emailToText(utf8('Subject: x\n\nOk.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n')).text, 'Ok.');
  });

  test('the writer’s own words stay: prose ending "wrote:", a message saved without headers', () => {
    assert.equal(
      emailToText(utf8('Subject: x\n\nOn reflection, I think this is what I wrote:\n\nthe plan holds.\n')).text,
      'On reflection, I think this is what I wrote:\n\nthe plan holds.',
    );
    assert.equal(
      emailToText(utf8('Hi Sam,\nThanks for lunch: it was great.\n\nSee you next week.\n')).text,
      'Hi Sam,\nThanks for lunch: it was great.\n\nSee you next week.',
    );
  });

  test('declared UTF-8 that is not is read as windows-1252; binary and non-mailboxes are refused with the reason', () => {
    const mislabelled = Buffer.concat([
      Buffer.from('Content-Type: text/plain; charset=utf-8\n\nI'),
      Buffer.from([0x92]),
      Buffer.from('ll be at the caf'),
      Buffer.from([0xe9]),
      Buffer.from('.\n'),
    ]);
    assert.equal(emailToText(mislabelled).text, 'I’ll be at the café.');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nib-mail-bad-'));
    fs.writeFileSync(path.join(dir, 'ls.mbox'), Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(64)]));
    fs.writeFileSync(path.join(dir, 'plain.mbox'), 'Just some notes, not mail.\n');
    const binary = readDocumentFile(path.join(dir, 'ls.mbox'));
    assert.ok(!binary.ok && binary.code === 'binary', JSON.stringify(binary));
    const plain = readDocumentFile(path.join(dir, 'plain.mbox'));
    assert.ok(!plain.ok && /no messages found: not a mailbox/.test(plain.reason), JSON.stringify(plain));
    fs.rmSync(dir, { recursive: true });
  });
});
