import { observe, type StepModel } from './suggest.ts';

/**
 * What the writer has written so far in this document, as counts of which character followed each
 * recent context (orders `minOrder`…`maxOrder` characters). Names, terms and turns of phrase recur
 * within a document long before any training could learn them: a cache of the document's own text
 * (Kuhn & De Mori's cache language model, at the character level) predicts them after their first
 * use. Only text the writer actually typed is added (`add`), never a suggestion being looked ahead.
 */
/**
 * The cache's settings, chosen by bits/char on the base model's own held-out text (60,000
 * characters in six 10,000-character chunks, each after 1,000 of context; bench/README.md "The
 * document cache"): contexts of 4 to 12 characters, β = 16 (1.859 → 1.818 bits/char). Trusting
 * long contexts more (β shrinking with the order) measured no better.
 */
export const DOCUMENT_CACHE = { minOrder: 4, maxOrder: 12, beta: 16 } as const;

export class DocumentCache {
  /** tables[n - minOrder]: context of n characters (as a string key) → next token → count. */
  private readonly tables: Map<string, Map<number, number>>[];
  /** The last maxOrder characters added. */
  private readonly recent: number[] = [];
  added = 0;

  constructor(
    readonly minOrder: number = DOCUMENT_CACHE.minOrder,
    readonly maxOrder: number = DOCUMENT_CACHE.maxOrder,
  ) {
    this.tables = Array.from({ length: maxOrder - minOrder + 1 }, () => new Map());
  }

  add(token: number): void {
    const r = this.recent;
    for (let n = this.minOrder; n <= Math.min(this.maxOrder, r.length); n++) {
      const t = this.tables[n - this.minOrder];
      const k = key(r, r.length - n);
      let m = t.get(k);
      if (!m) t.set(k, (m = new Map()));
      m.set(token, (m.get(token) ?? 0) + 1);
    }
    r.push(token);
    if (r.length > this.maxOrder) r.shift();
    this.added++;
  }

  /** The text goes on after `recent` (its last characters), not after what was added last: an edit. */
  seek(recent: ArrayLike<number>): void {
    this.recent.length = 0;
    for (let i = Math.max(0, recent.length - this.maxOrder); i < recent.length; i++) this.recent.push(recent[i]);
  }

  /**
   * `p` (the model's next-token distribution after `context`) revised by the document so far:
   * from the shortest cached order to the longest that has been seen, Witten-Bell style,
   * p ← (c(h, ·) + β·u(h)·p) / (c(h) + β·u(h)), where c counts what followed context h and u(h) is
   * how many different characters did. A context seen often with one continuation ("Elizab" → "e")
   * pulls hard; one seen once, or followed by many different characters, barely moves p. `p` is
   * changed in place and returned.
   */
  revise(p: Float32Array, context: ArrayLike<number>, beta: number): Float32Array {
    const len = context.length;
    for (let n = this.minOrder; n <= Math.min(this.maxOrder, len); n++) {
      const m = this.tables[n - this.minOrder].get(key(context, len - n));
      if (!m) break; // a longer context containing an unseen one is unseen too
      let total = 0;
      for (const c of m.values()) total += c;
      const u = beta * m.size;
      const scale = u / (total + u);
      for (let i = 0; i < p.length; i++) p[i] *= scale;
      for (const [w, c] of m) p[w] += c / (total + u);
    }
    return p;
  }
}

function key(ids: ArrayLike<number>, from: number): string {
  let s = '';
  for (let i = from; i < ids.length; i++) s += String.fromCharCode(ids[i]);
  return s;
}

export interface CachedState<S> {
  inner: S;
  /** The last characters read (typed or looked ahead), for the cache's contexts. */
  context: number[];
}

/**
 * A model whose predictions the document's own text revises (DocumentCache). `observe` is the
 * writer typing: it steps the model and adds the character to the cache; `step` is a suggestion
 * looking ahead, which the cache does not learn from. The cache belongs to one document: a new
 * document gets a new CachedModel.
 */
export class CachedModel<S> implements StepModel<CachedState<S>> {
  /** Replaceable: a benchmark reuses one model over several documents, each with a new cache. */
  cache: DocumentCache;

  constructor(
    private readonly inner: StepModel<S>,
    cache?: DocumentCache,
    readonly beta: number = DOCUMENT_CACHE.beta,
  ) {
    this.cache = cache ?? new DocumentCache();
  }

  /** A state of the inner model, read after `context` (the text's last token ids, for the cache). */
  wrap(inner: S, context: ArrayLike<number> = []): CachedState<S> {
    return { inner, context: Array.from(context).slice(-this.cache.maxOrder) };
  }

  probs(s: CachedState<S>): Float32Array {
    return this.cache.revise(Float32Array.from(this.inner.probs(s.inner)), s.context, this.beta);
  }

  step(s: CachedState<S>, token: number): void {
    this.inner.step(s.inner, token);
    s.context.push(token);
    if (s.context.length > this.cache.maxOrder) s.context.shift();
  }

  observe(s: CachedState<S>, token: number): void {
    // The context before the token is the cache's own `recent`; keep the state's in step with it.
    this.cache.add(token);
    observe(this.inner, s.inner, token);
    s.context.push(token);
    if (s.context.length > this.cache.maxOrder) s.context.shift();
  }

  clone(s: CachedState<S>): CachedState<S> {
    return { inner: this.inner.clone(s.inner), context: s.context.slice() };
  }
}

/**
 * The cache of one open document, kept current as its text changes between suggestions: typed
 * text is added; after an edit or a deletion what was counted stays counted (it was the writer's
 * text all the same) and the new text is added from the edit on. A document opened with more than
 * `maxChars` characters is read from its last `maxChars`, so opening costs a bounded time.
 */
export class DocumentCacheTracker {
  readonly cache = new DocumentCache();
  private counted = '';

  constructor(
    private readonly encode: (text: string) => ArrayLike<number>,
    private readonly maxChars = 200_000,
  ) {}

  update(text: string): void {
    let from = commonPrefix(this.counted, text);
    if (from === 0 && text.length > this.maxChars) from = text.length - this.maxChars;
    if (from < this.counted.length || this.counted === '') {
      this.cache.seek(this.encode(text.slice(Math.max(0, from - 4 * this.cache.maxOrder), from)));
    }
    const ids = this.encode(text.slice(from));
    for (let i = 0; i < ids.length; i++) this.cache.add(ids[i]);
    this.counted = text;
  }
}

/** Length of the common start of two strings, never splitting a surrogate pair. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i > 0 && i < n && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff) i--;
  return i;
}
