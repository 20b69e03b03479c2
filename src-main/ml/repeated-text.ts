/**
 * Held-out text that repeats the training text (a signature, a boilerplate paragraph, a section
 * pasted into two documents) measures memory, not prediction: there the model is right nearly
 * every time, so the validation loss, the evaluation and the calibrated bar all come out too
 * hopeful for the sentences the writer has not written yet. This finds such lines so that the
 * held-out text can leave them out.
 *
 * A held-out line is a repeat when at least half of its WINDOW-character windows occur in the
 * training text or in held-out text kept before it (so two copies of one passage count once).
 * 32 characters is long enough that ordinary phrases ("at the end of the day, ") do not match,
 * and half leaves a line that quotes a sentence or two of the training text in place. Lines under
 * MIN_LINE characters always stay: short lines that recur ("Best wishes,") are what a writer
 * really does type again, and the model should be judged on them.
 */

export const WINDOW = 32;
export const MIN_LINE = 64;
const REPEAT_SHARE = 0.5;

/** Multiplier of the rolling hash: odd, so that it is invertible modulo 2³². */
const BASE = 0x01000193;
/** BASE^WINDOW mod 2³², to take the character leaving the window out of the hash. */
const BASE_POW = (() => {
  let p = 1;
  for (let i = 0; i < WINDOW; i++) p = Math.imul(p, BASE);
  return p;
})();

/**
 * The hash of every WINDOW-unit window of `text` (UTF-16 units: a repeat is the same units either
 * way). Collisions of a 32-bit hash are rare enough here: with a 10-million-character corpus a
 * fresh window matches by chance once in 400, far below the share that marks a repeat.
 */
function windowHashes(text: string): Uint32Array {
  const n = text.length - WINDOW + 1;
  if (n <= 0) return new Uint32Array(0);
  const out = new Uint32Array(n);
  let h = 0;
  for (let i = 0; i < text.length; i++) {
    h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
    if (i >= WINDOW) h = (h - Math.imul(text.charCodeAt(i - WINDOW), BASE_POW)) | 0;
    if (i >= WINDOW - 1) out[i - WINDOW + 1] = h >>> 0;
  }
  return out;
}

function sortedHas(sorted: Uint32Array, x: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === x;
}

/**
 * `heldOut` without its lines that repeat `train` or an earlier held-out line, and how many
 * characters (code points, not counting line breaks) were left out.
 */
export function withoutRepeats(train: string, heldOut: string): { text: string; repeatedChars: number } {
  const seen = windowHashes(train).sort();
  const kept = new Set<number>();
  const out: string[] = [];
  let repeatedChars = 0;
  for (const line of heldOut.split('\n')) {
    if (line.length >= MIN_LINE) {
      const hashes = windowHashes(line);
      let hits = 0;
      for (const h of hashes) if (kept.has(h) || sortedHas(seen, h)) hits++;
      if (hits >= REPEAT_SHARE * hashes.length) {
        repeatedChars += Array.from(line).length;
        continue;
      }
      for (const h of hashes) kept.add(h);
    }
    out.push(line);
  }
  return { text: out.join('\n'), repeatedChars };
}
