import type { StepModel } from './suggest.ts';
import { decodeNgram, encodeNgram } from './ngram-bytes.ts';
import { CountTable, freezeTable, pruneTable } from './ngram-table.ts';
import type { CharTokenizer } from './tokenizer.ts';

/**
 * An n-gram's state after `text`: the ids of its last `order` − 1 characters that the tokenizer
 * knows (characters it skips are skipped here too, as they are when text is read one character at
 * a time). Reads only the text's tail.
 */
export function ngramContext(order: number, tok: Pick<CharTokenizer, 'id'>, text: string): number[] {
  const k = order - 1;
  const ids: number[] = [];
  for (const ch of text.slice(-4 * k)) {
    const id = tok.id(ch);
    if (id >= 0) ids.push(id);
  }
  return k > 0 ? ids.slice(-k) : [];
}

/**
 * A character n-gram model with interpolated Kneser-Ney smoothing. It is built in seconds from a
 * corpus, so it suggests from the first minute (before any LSTM is trained) and is the baseline
 * every evaluation reports. Orders below the highest use continuation counts (how many distinct
 * characters precede an n-gram), the lowest interpolates with the uniform distribution, so every
 * context — seen or not — gives a proper distribution over the vocabulary.
 */

/** Counts for one order while counting: context key → (next token → count). */
type Table = Map<string, Map<number, number>>;

/** The JSON form n-grams were stored in before the binary one (ml/ngram-bytes.ts); still read. */
export interface NgramData {
  kind: 'char-ngram-kn';
  vocab: string[];
  order: number;
  /** Absolute discount per order (index n-1). */
  discounts: number[];
  /** tables[n-1]: raw counts for the highest order, continuation counts below. */
  tables: [string, [number, number][]][][];
}

const key = (ids: ArrayLike<number>, from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(ids[i]);
  return s;
};

/**
 * What counting takes, per context and per (context, next character) pair beyond the first, as
 * Map<string, Map<number, number>> in V8: 240 and 15 bytes, fitted to the heap used after counting
 * prose (1 and 2 M characters) and random text (300,000), to order 8 (bench/README.md, "The
 * n-gram's memory"); rounded up. The whole build's peak is about 2.2 times the counts' (the
 * continuation counts, then the frozen tables), hence COUNTS_SHARE.
 */
const BYTES_PER_CONTEXT = 256;
const BYTES_PER_PAIR = 16;
const COUNTS_SHARE = 0.4;

function bump(t: Table, k: string, w: number, by = 1): number {
  let m = t.get(k);
  let bytes = 0;
  if (!m) {
    t.set(k, (m = new Map()));
    bytes = BYTES_PER_CONTEXT - BYTES_PER_PAIR;
  }
  const c = m.get(w);
  m.set(w, (c ?? 0) + by);
  return c === undefined ? bytes + BYTES_PER_PAIR : bytes;
}

/**
 * Raw counts for every order 1..maxOrder. Their memory depends on how varied the text is, not
 * only on its length: prose repeats most contexts, but text close to random (a dump of hashes,
 * encoded data, tables of numbers) makes a new context at every character of every high order,
 * some 1,800 bytes per character to order 8 against prose's 150–200 for the whole build
 * (bench/README.md). So with a budget (bytes for the counts), the highest order still counted is
 * dropped, its counts let go, whenever the counts outgrow it, and counting goes on below.
 */
function countAll(ids: Int32Array, maxOrder: number, budgetBytes = Infinity): Table[] {
  const raw: Table[] = Array.from({ length: maxOrder }, () => new Map());
  const bytes = new Array<number>(maxOrder).fill(0);
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let n = 1; n <= raw.length && n <= i + 1; n++) {
      const b = bump(raw[n - 1], key(ids, i - n + 1, i), ids[i]);
      bytes[n - 1] += b;
      total += b;
    }
    while (total > budgetBytes && raw.length > 2) {
      raw.pop();
      total -= bytes[raw.length];
    }
  }
  return raw;
}

/**
 * Continuation counts N1+(• h w) for orders 1..maxOrder−1: how many distinct characters precede
 * (h w), read off the next order's raw counts. Kneser-Ney uses them below the top order.
 */
function continuationCounts(raw: Table[]): Table[] {
  const out: Table[] = [];
  for (let n = 1; n < raw.length; n++) {
    const cont: Table = new Map();
    for (const [k, m] of raw[n]) {
      const h = k.slice(1);
      for (const w of m.keys()) bump(cont, h, w);
    }
    out.push(cont);
  }
  return out;
}

/** The absolute discount of one order, D = n1 / (n1 + 2·n2), from how many counts are 1 and 2. */
function discountOf(t: CountTable): number {
  let n1 = 0;
  let n2 = 0;
  for (const c of t.counts) {
    if (c === 1) n1++;
    else if (c === 2) n2++;
  }
  const d = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
  return Math.min(0.95, Math.max(0.05, d));
}

/**
 * Peak memory while counting, per training character, by the highest order counted: measured on
 * English prose (1–14 M characters, the peak resident set less the process's own; bench/README.md,
 * "The n-gram's memory"), the highest rate seen with about 30% over it. High orders cost most:
 * nearly every 8-character context is new. (Counts in typed arrays since session 18 halved the
 * peak; the rates before were 450, 260 and 90 bytes for orders 8, 7 and 6.) Prose's rates: text
 * far more varied needs several times more, which the build's own account catches as it counts
 * (countAll's budget).
 */
const BYTES_PER_CHAR: Record<number, number> = { 2: 4, 3: 8, 4: 12, 5: 30, 6: 70, 7: 140, 8: 220 };
const BASE_BYTES = 200 * 2 ** 20;

/** Bytes a build up to `maxOrder` needs at its peak for `chars` training characters (an upper estimate). */
export function ngramBuildBytes(chars: number, maxOrder: number): number {
  return BASE_BYTES + chars * BYTES_PER_CHAR[Math.min(8, Math.max(2, maxOrder))];
}

/** The highest order (≤ `maxOrder`, ≥ 2) whose build fits in `limitBytes`, or null if none does. */
export function ngramOrderWithin(chars: number, limitBytes: number, maxOrder = 8): number | null {
  for (let order = maxOrder; order >= 2; order--) if (ngramBuildBytes(chars, order) <= limitBytes) return order;
  return null;
}

export class NgramModel implements StepModel<number[]> {
  /**
   * Per order and context, the weight the lower order gets: 1 − Σ max(c − D, 0) / total over the
   * counts kept. Unpruned that is Kneser-Ney's D·(distinct next tokens)/total; pruned, the mass of
   * the counts left out goes to the lower order too, and each context's total stays as counted, so
   * a pruned context is not made more certain of what it kept (pruning measured in MODEL.md).
   */
  private readonly backoff: Float64Array[];

  private constructor(
    readonly vocab: string[],
    readonly order: number,
    readonly discounts: number[],
    /** tables[n-1]: raw counts for the highest order, continuation counts below. */
    readonly tables: CountTable[],
  ) {
    this.backoff = tables.map((t, i) => {
      const D = discounts[i];
      const b = new Float64Array(t.size);
      for (let c = 0; c < t.size; c++) {
        let kept = 0;
        for (let e = t.start[c]; e < t.start[c + 1]; e++) kept += Math.max(t.counts[e] - D, 0);
        b[c] = Math.max(0, 1 - kept / t.totals[c]);
      }
      return b;
    });
  }

  /**
   * Builds from training token ids, choosing the order (2..maxOrder) with the lowest
   * cross-entropy on `valIds`. Returns the model and the validation loss of each order tried.
   */
  static build(
    vocab: string[],
    trainIds: Int32Array,
    valIds: Int32Array,
    maxOrder = 8,
    /** Bytes the whole build may take: the orders counted are cut to fit, however varied the text. */
    budgetBytes = Infinity,
  ): { model: NgramModel; tried: { order: number; valLoss: number }[]; counted: number } {
    const raw = countAll(trainIds, maxOrder, budgetBytes * COUNTS_SHARE);
    const counted = raw.length;
    const cont = continuationCounts(raw);
    const V = vocab.length;
    const frozenRaw = raw.map((t, i) => freezeTable(i, V, t));
    const frozenCont = cont.map((t, i) => freezeTable(i, V, t));
    raw.length = cont.length = 0; // the maps are the build's peak memory: let them go
    const tried: { order: number; valLoss: number }[] = [];
    let best: NgramModel | null = null;
    let bestLoss = Infinity;
    // Choosing the order needs only a sample of the held-out text.
    const sample = valIds.subarray(0, 30_000);
    for (let order = 2; order <= counted; order++) {
      const tables = [...frozenCont.slice(0, order - 1), frozenRaw[order - 1]];
      const m = new NgramModel(vocab, order, tables.map(discountOf), tables);
      const loss = m.crossEntropy(sample);
      tried.push({ order, valLoss: loss });
      if (loss < bestLoss) {
        bestLoss = loss;
        best = m;
      }
    }
    return { model: best!, tried, counted };
  }

  /** From the JSON form stored before the binary one. */
  static fromData(d: NgramData): NgramModel {
    const tables = d.tables.map((entries, i) =>
      freezeTable(i, d.vocab.length, new Map(entries.map(([k, pairs]) => [k, new Map(pairs)]))),
    );
    return new NgramModel(d.vocab, d.order, d.discounts, tables);
  }

  /** From its stored form (ml/ngram-bytes.ts). */
  static fromBytes(bytes: Uint8Array): NgramModel {
    const d = decodeNgram(bytes);
    return new NgramModel(
      d.vocab,
      d.order,
      d.discounts,
      d.tables.map((t) => new CountTable(t)),
    );
  }

  toBytes(): Uint8Array {
    return encodeNgram(this);
  }

  /**
   * A smaller model: at each order n, the counts below `minCounts[n-1]` left out (their mass goes
   * to the order below, see `backoff`), the discounts as estimated on the full counts.
   */
  pruned(minCounts: readonly number[]): NgramModel {
    const V = this.vocab.length;
    return new NgramModel(
      this.vocab,
      this.order,
      this.discounts,
      this.tables.map((t, i) => pruneTable(t, minCounts[i] ?? 1, V)),
    );
  }

  /** How many (context, next character) counts it keeps: its size. */
  get entries(): number {
    return this.tables.reduce((n, t) => n + t.entries, 0);
  }

  /** P(· | context) over the vocabulary; `context` holds the preceding token ids (any length). */
  distribution(context: ArrayLike<number>): Float32Array {
    const V = this.vocab.length;
    const p = new Float64Array(V).fill(1 / V);
    const len = context.length;
    for (let n = 1; n <= this.order; n++) {
      const h = n - 1;
      if (h > len) break;
      const t = this.tables[n - 1];
      const c = t.find(context, len - h);
      if (c < 0) continue; // unseen context: this order defers wholly to the lower one
      const total = t.totals[c];
      const D = this.discounts[n - 1];
      const lambda = this.backoff[n - 1][c];
      for (let w = 0; w < V; w++) p[w] *= lambda;
      for (let e = t.start[c]; e < t.start[c + 1]; e++) p[t.next[e]] += Math.max(t.counts[e] - D, 0) / total;
    }
    return Float32Array.from(p);
  }

  /** P(w | context): the interpolation of `distribution`, for one character only. */
  probability(context: ArrayLike<number>, w: number): number {
    let p = 1 / this.vocab.length;
    const len = context.length;
    for (let n = 1; n <= this.order && n - 1 <= len; n++) {
      const t = this.tables[n - 1];
      const c = t.find(context, len - (n - 1));
      if (c < 0) continue;
      const D = this.discounts[n - 1];
      p = this.backoff[n - 1][c] * p + Math.max(t.countOf(c, w) - D, 0) / t.totals[c];
    }
    return p;
  }

  /** Mean negative log-likelihood (nats per character) of a token sequence, read left to right. */
  crossEntropy(ids: Int32Array): number {
    let total = 0;
    for (let i = 0; i < ids.length; i++)
      total -= Math.log(this.probability(ids.subarray(Math.max(0, i - this.order + 1), i), ids[i]));
    return total / Math.max(1, ids.length);
  }

  /**
   * How much the model knows about a context: the highest order whose context it has seen, and how
   * often (its total count). A mixture can trust the n-gram more where it has seen much.
   */
  contextStats(context: ArrayLike<number>): { order: number; total: number } {
    const len = context.length;
    for (let n = Math.min(this.order, len + 1); n >= 1; n--) {
      const t = this.tables[n - 1];
      const c = t.find(context, len - (n - 1));
      if (c >= 0) return { order: n, total: t.totals[c] };
    }
    return { order: 0, total: 0 };
  }

  // StepModel: the state is the last order−1 token ids.
  probs(state: number[]): Float32Array {
    return this.distribution(state);
  }

  step(state: number[], token: number): void {
    state.push(token);
    if (state.length >= this.order) state.splice(0, state.length - (this.order - 1));
  }

  clone(state: number[]): number[] {
    return state.slice();
  }
}
