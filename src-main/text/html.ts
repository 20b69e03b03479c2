import { Parser } from 'htmlparser2';

/** Elements whose content a reader never sees. */
const HIDDEN = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
]);
/** Elements that start a new line of text. */
const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'tr',
  'table',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'nav',
  'main',
  'blockquote',
  'pre',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'form',
  'fieldset',
  'body',
]);
const PARAGRAPH = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'table',
  'ul',
  'ol',
  'section',
  'article',
]);

/**
 * The text a reader sees in an HTML page: hidden elements dropped, entities decoded,
 * whitespace collapsed as a browser would, paragraphs separated by a blank line.
 */
export function htmlToText(html: string): string {
  // The text so far, as pieces: only its end is ever inspected or trimmed. (A growing string
  // inspected at its end is flattened by V8 on every look, which made 0.9 MB of <p> take a minute.)
  const parts: string[] = [];
  const tail = (n: number): string => {
    let t = '';
    for (let k = parts.length - 1; k >= 0 && t.length < n; k--) t = parts[k].slice(-(n - t.length)) + t;
    return t;
  };
  const trimEnd = (chars: string) => {
    while (parts.length) {
      const last = parts[parts.length - 1];
      let i = last.length;
      while (i > 0 && chars.includes(last[i - 1])) i--;
      if (i === 0) {
        parts.pop();
        continue;
      }
      if (i < last.length) parts[parts.length - 1] = last.slice(0, i);
      break;
    }
  };
  const push = (t: string) => {
    if (t) parts.push(t);
  };
  // One entry per open element: whether it hides its content. htmlparser2 closes void and
  // implied elements itself, so the stack stays balanced.
  const hiding: boolean[] = [];
  let hidden = 0;
  let preDepth = 0;
  const breakLine = (blank: boolean) => {
    trimEnd(' \t');
    if (!parts.length) return;
    const want = blank ? '\n\n' : '\n';
    if (tail(want.length) !== want) {
      trimEnd('\n');
      push(want);
    }
  };
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const hides = HIDDEN.has(name) || 'hidden' in attrs;
        hiding.push(hides);
        if (hides) hidden++;
        if (hidden) return;
        if (name === 'pre') preDepth++;
        if (BLOCK.has(name)) breakLine(PARAGRAPH.has(name));
      },
      onclosetag(name) {
        const hid = hiding.pop();
        if (hid) {
          hidden--;
          return;
        }
        if (hidden) return;
        if (name === 'pre' && preDepth) preDepth--;
        if (BLOCK.has(name) && name !== 'br') breakLine(PARAGRAPH.has(name));
      },
      ontext(text) {
        if (hidden) return;
        if (preDepth) {
          push(text);
          return;
        }
        const collapsed = text.replace(/\s+/g, ' ');
        const end = tail(1);
        if (collapsed === ' ' && (end === '' || /\s/.test(end))) return;
        push(end === '' || end === '\n' ? collapsed.replace(/^ /, '') : collapsed);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts
    .join('')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
