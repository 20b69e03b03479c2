/**
 * Joins hard-wrapped paragraphs into one line each. Mail clients, text manuals and dictionaries wrap
 * at ~72 columns; a model trained on that text learns that sentences break every few words, and a
 * suggestion after "the" would be a line break. Paragraphs of short lines (verse, lists, an address,
 * code) keep their lines: a paragraph counts as wrapped only when most of its lines but the last run
 * close to a wrapping width.
 */
export function unwrapParagraphs(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => {
      const lines = p
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const wrapped =
        lines.length > 1 && lines.slice(0, -1).filter((l) => l.length >= 45).length >= (lines.length - 1) * 0.7;
      return wrapped ? lines.join(' ') : lines.join('\n');
    })
    .filter(Boolean)
    .join('\n\n');
}
