import { Parser } from 'htmlparser2';
import { ZipReader, type ZipLimits, DEFAULT_ZIP_LIMITS } from './zip.ts';

/** The body text of a Word document: paragraphs become lines, tabs and breaks are kept. */
export function docxToText(buf: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): string {
  const zip = new ZipReader(buf, limits);
  const xml = zip.read('word/document.xml').toString('utf8');
  let out = '';
  let inText = false;
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'w:t') inText = true;
        else if (name === 'w:tab') out += '\t';
        else if (name === 'w:br' || name === 'w:cr') out += '\n';
      },
      onclosetag(name) {
        if (name === 'w:t') inText = false;
        else if (name === 'w:p') out += '\n';
      },
      ontext(text) {
        if (inText) out += text;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return out.replace(/\n{3,}/g, '\n\n').trim();
}
