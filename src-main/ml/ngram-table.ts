/**
 * One order of a character n-gram model, frozen into flat typed arrays: every context (the
 * `width` token ids before a character) with its total count and the counts of the tokens seen
 * after it, found through an open-addressing hash index. Counting needs maps (ml/ngram.ts), but
 * keeping them costs ~500 bytes per n-gram: the order-8 model of 15 M characters held 4 GB of
 * heap and took 27 s to load from JSON. Frozen, the same counts take ~10 bytes per n-gram and load
 * in a fraction of a second, so a large n-gram (the base model's) can live in the app.
 */

export type IdArray = Uint8Array | Uint16Array | Uint32Array;

/** The narrowest array that holds ids below `vocabSize`. */
export function idArray(vocabSize: number, length: number): IdArray {
  return vocabSize <= 0x100
    ? new Uint8Array(length)
    : vocabSize <= 0x10000
      ? new Uint16Array(length)
      : new Uint32Array(length);
}

export interface TableParts {
  /** Token ids per context. */
  width: number;
  /** Contexts, `width` ids each, in the order of their index. */
  keys: IdArray;
  /** How often each context was counted (before any pruning: see ml/ngram.ts). */
  totals: Uint32Array;
  /** Entries of context i: start[i] ≤ e < start[i + 1]. */
  start: Uint32Array;
  next: IdArray;
  counts: Uint32Array;
}

function hashOf(ids: ArrayLike<number>, from: number, width: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < width; i++) h = Math.imul(h ^ ids[from + i], 0x01000193);
  // FNV alone spreads the low bits poorly for short keys of small ids: finish with a mix.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export class CountTable implements TableParts {
  readonly width: number;
  readonly keys: IdArray;
  readonly totals: Uint32Array;
  readonly start: Uint32Array;
  readonly next: IdArray;
  readonly counts: Uint32Array;
  /** Hash index: a context's index + 1, or 0 for an empty slot; at most half full. */
  private readonly slots: Uint32Array;
  private readonly mask: number;

  constructor(p: TableParts) {
    this.width = p.width;
    this.keys = p.keys;
    this.totals = p.totals;
    this.start = p.start;
    this.next = p.next;
    this.counts = p.counts;
    const n = this.size;
    let cap = 2;
    while (cap < 2 * n) cap *= 2;
    this.slots = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < n; i++) {
      let s = hashOf(this.keys, i * this.width, this.width) & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = i + 1;
    }
  }

  /** Number of contexts. */
  get size(): number {
    return this.totals.length;
  }

  /** Number of (context, next token) counts. */
  get entries(): number {
    return this.next.length;
  }

  /** Index of the context `ids[from .. from + width)`, or −1 if it was never seen. */
  find(ids: ArrayLike<number>, from: number): number {
    const w = this.width;
    let s = hashOf(ids, from, w) & this.mask;
    for (;;) {
      const slot = this.slots[s];
      if (slot === 0) return -1;
      const at = (slot - 1) * w;
      let same = true;
      for (let i = 0; i < w && same; i++) same = this.keys[at + i] === ids[from + i];
      if (same) return slot - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** The count of `token` after context `c`, 0 if none is kept (entries are sorted by token). */
  countOf(c: number, token: number): number {
    let lo = this.start[c];
    let hi = this.start[c + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.next[mid];
      if (t === token) return this.counts[mid];
      if (t < token) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }
}

/** Arrays for a table of `contexts` contexts and `entries` counts, to be filled in. */
function emptyParts(width: number, vocabSize: number, contexts: number, entries: number): TableParts {
  return {
    width,
    keys: idArray(vocabSize, contexts * width),
    totals: new Uint32Array(contexts),
    start: new Uint32Array(contexts + 1),
    next: idArray(vocabSize, entries),
    counts: new Uint32Array(entries),
  };
}

/**
 * Freezes counted maps (context key → token → count, keys as in ml/ngram.ts: one UTF-16 unit per
 * id) into a table, contexts in key order and each context's tokens in id order, so the same
 * counts always give the same bytes. A context's total is the sum of its counts.
 */
export function freezeTable(width: number, vocabSize: number, counted: Map<string, Map<number, number>>): CountTable {
  const ctxKeys = [...counted.keys()].filter((k) => counted.get(k)!.size > 0).sort();
  let entries = 0;
  for (const k of ctxKeys) entries += counted.get(k)!.size;
  const parts = emptyParts(width, vocabSize, ctxKeys.length, entries);
  const { keys, totals, start, next, counts } = parts;
  let e = 0;
  ctxKeys.forEach((k, i) => {
    for (let j = 0; j < width; j++) keys[i * width + j] = k.charCodeAt(j);
    const m = counted.get(k)!;
    let sum = 0;
    start[i] = e;
    for (const t of [...m.keys()].sort((a, b) => a - b)) {
      next[e] = t;
      counts[e++] = m.get(t)!;
      sum += m.get(t)!;
    }
    totals[i] = sum;
  });
  start[ctxKeys.length] = e;
  return new CountTable(parts);
}

/**
 * The table without the counts below `minCount` (contexts left with none are dropped), each
 * context keeping its total: what was dropped then falls to the lower order (ml/ngram.ts).
 */
export function pruneTable(t: CountTable, minCount: number, vocabSize: number): CountTable {
  if (minCount <= 1) return t;
  const keepCtx: number[] = [];
  let entries = 0;
  for (let c = 0; c < t.size; c++) {
    let k = 0;
    for (let e = t.start[c]; e < t.start[c + 1]; e++) if (t.counts[e] >= minCount) k++;
    if (k > 0) {
      keepCtx.push(c);
      entries += k;
    }
  }
  const w = t.width;
  const parts = emptyParts(w, vocabSize, keepCtx.length, entries);
  const { keys, totals, start, next, counts } = parts;
  let e2 = 0;
  keepCtx.forEach((c, i) => {
    keys.set(t.keys.subarray(c * w, (c + 1) * w), i * w);
    totals[i] = t.totals[c];
    start[i] = e2;
    for (let e = t.start[c]; e < t.start[c + 1]; e++)
      if (t.counts[e] >= minCount) {
        next[e2] = t.next[e];
        counts[e2++] = t.counts[e];
      }
  });
  start[keepCtx.length] = e2;
  return new CountTable(parts);
}
