/** Where the CLI writes: results to stdout (JSON with --json), progress and notes to stderr. */
export class Out {
  private statusShown = false;
  constructor(readonly json: boolean) {}

  line(s: string): void {
    process.stdout.write(s + '\n');
  }

  err(s: string): void {
    this.status('');
    process.stderr.write(s + '\n');
  }

  /** A result: its JSON form with --json, else the text. */
  result(value: unknown, text: string): void {
    if (this.json) this.line(JSON.stringify(value));
    else this.line(text);
  }

  /** A progress line that redraws in place on a terminal; on a pipe, written only when cleared. */
  status(s: string): void {
    if (!process.stderr.isTTY) return;
    if (s === '' && !this.statusShown) return;
    const cols = process.stderr.columns || 120;
    process.stderr.write('\r\x1b[2K' + s.slice(0, cols - 1));
    this.statusShown = s !== '';
  }
}

export function bar(frac: number, width = 20): string {
  const f = Math.max(0, Math.min(1, frac));
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/**
 * Text from the data folder (names of corpora, models, documents and files) as it can be shown on
 * a terminal: control characters, line and paragraph separators and the invisible direction
 * overrides (which can make "txt.exe" read as "exe.txt") are written as visible escapes, so one
 * name can neither break a table across lines nor disguise itself or its neighbours.
 */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- exactly the characters to make visible
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\t'
        ? '\\t'
        : c === '\r'
          ? '\\r'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => visible(String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
