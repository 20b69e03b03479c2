import { withoutRepeats } from './repeated-text.ts';
import type { CharTokenizer } from './tokenizer.ts';

export interface TrainData {
  train: Int32Array;
  val: Int32Array;
}

/** A corpus unfit for training: the problem, and what to do in each front end's words. */
export class DataError extends Error {
  constructor(
    readonly problem: string,
    readonly hint: { cli: string; app: string },
  ) {
    super(`${problem}: ${hint.cli}`);
  }
}

/**
 * Splits every document into a training head and a validation tail (the last `valFraction` of
 * it), so validation measures text the model has not seen, in each writer's every document.
 * Documents are joined with a blank line, as they would sit in a collection.
 */
export function splitCorpus(texts: string[], tok: CharTokenizer, valFraction: number, seqLen: number): TrainData {
  if (texts.length === 0)
    throw new DataError('the corpus has no documents', {
      cli: 'import some text first (nib import PATH --corpus NAME)',
      app: 'import some writing in the Library first',
    });
  const split = splitTexts(texts, valFraction);
  const train = tok.encode(split.train);
  const val = tok.encode(split.val);
  const need = seqLen + 1;
  const total = train.length + val.length;
  if (total < need * 2) {
    throw new DataError(
      `the corpus is too short: ${total} characters, but training needs at least ${need * 2} (one sequence of ${seqLen} + 1 for training and one for validation)`,
      {
        cli: 'import more text or lower --seq-len',
        app: 'import more writing into it',
      },
    );
  }
  if (train.length < need) {
    throw new DataError(
      `only ${train.length} characters are left for training after holding out ${valFraction * 100}% for validation`,
      { cli: 'lower --val-fraction or --seq-len', app: 'import more writing into it' },
    );
  }
  if (val.length < need) {
    throw new DataError(
      `only ${val.length} characters are held out for validation, fewer than one sequence (${need})` +
        (split.repeatedChars > 0
          ? `; ${split.repeatedChars} more repeat the training text and were left out, since they would measure memory, not prediction`
          : ''),
      {
        cli: 'raise --val-fraction or lower --seq-len',
        app: 'import more writing into it',
      },
    );
  }
  return { train, val };
}

/**
 * The training head and validation tail (the last `valFraction`) of every document, joined with a
 * blank line between documents. Training, evaluation and the n-gram baseline all split this way.
 * Held-out lines that repeat the training text (or each other) are left out of `val`
 * (ml/repeated-text.ts), so that it measures the writer's new sentences, not the model's memory;
 * `repeatedChars` counts them.
 */
export function splitTexts(
  texts: string[],
  valFraction: number,
): { train: string; val: string; repeatedChars: number } {
  const trainParts: string[] = [];
  const valParts: string[] = [];
  for (const t of texts) {
    const cps = Array.from(t);
    const cut = Math.round(cps.length * (1 - valFraction));
    trainParts.push(cps.slice(0, cut).join(''));
    if (cut < cps.length) valParts.push(cps.slice(cut).join(''));
  }
  const train = trainParts.join('\n\n');
  const { text: val, repeatedChars } = withoutRepeats(train, valParts.join('\n\n'));
  return { train, val, repeatedChars };
}

/** A batch of `batch` windows starting at `starts`: inputs and next-character targets. */
export function windows(data: Int32Array, starts: number[], seqLen: number): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(starts.length * seqLen);
  const y = new Int32Array(starts.length * seqLen);
  starts.forEach((s, b) => {
    x.set(data.subarray(s, s + seqLen), b * seqLen);
    y.set(data.subarray(s + 1, s + seqLen + 1), b * seqLen);
  });
  return { x, y };
}

/** Evenly spaced, non-overlapping where possible: the same validation windows at every evaluation. */
export function validationStarts(n: number, seqLen: number, maxWindows: number): number[] {
  const available = n - seqLen - 1;
  const count = Math.max(1, Math.min(maxWindows, Math.floor(n / seqLen)));
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(count === 1 ? 0 : Math.round((i * available) / (count - 1)));
  return starts;
}
