/**
 * The confidence bar of a suggestion source, chosen by measurement. Models differ in how honest
 * their probabilities are: a corpus n-gram is overconfident on new text (at a bar of 0.3 it is right
 * less than half the time), a fine-tuned LSTM is nearly calibrated (right ~60% of the time at the
 * same bar). One fixed bar therefore compares them at different precisions and gives each the wrong
 * trade-off. Instead each source gets the bar that saves the most keystrokes while its suggestions
 * stay right at least `PRECISION_TARGET` of the time on held-out text; sources are then compared at
 * the same precision.
 */

/** What a writer tolerates: a shown suggestion is right (at least its first word) half the time or more. */
export const PRECISION_TARGET = 0.5;

/**
 * The bars tried, from bold to cautious, in steps of 0.025 (a step moves precision by 2–4 points and
 * KSR by about one), then coarser above 0.5, where only badly overconfident models land.
 */
export const THRESHOLDS = [
  0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35, 0.375, 0.4, 0.425, 0.45, 0.475, 0.5, 0.6, 0.7,
] as const;

export interface Measured {
  threshold: number;
  ksr: number;
  precision: number;
}

/** The bar halfway between two of the grid's, as `calibrateThreshold` measures it. */
function midpoint(a: number, b: number): number {
  return Math.round(((a + b) / 2) * 10_000) / 10_000;
}

/**
 * Every bar `calibrateThreshold` may measure: the grid and each midpoint between neighbours, in
 * increasing order. Measuring them all in one pass (services/evaluate.ts `evaluateAt`) costs
 * about what measuring one does, and the walk then reads its bars from the table.
 */
export function candidateBars(): number[] {
  return THRESHOLDS.flatMap((t, k) => (k === 0 ? [t] : [midpoint(THRESHOLDS[k - 1], t), t]));
}

/**
 * Walks the grid from `start`: down (bolder) while precision holds, up (more cautious) while it
 * does not, measuring each bar once. Precision falls as the bar falls (a lower bar adds only less
 * likely suggestions), so the walk stops at the lowest bar that keeps precision; its KSR is the
 * highest among those that do. Then one bar halfway to the next bolder one, which missed the
 * target, is measured too: a grid step moves KSR by about a point, and sources are compared at the
 * same precision, so a source whose target falls inside a step should not lose that point to the
 * grid. If even the most cautious bar misses the target, that bar is kept (fewest wrong
 * suggestions). Returns the chosen measurement and everything tried.
 */
export function calibrateThreshold(
  measure: (threshold: number) => Omit<Measured, 'threshold'>,
  target = PRECISION_TARGET,
  start = 0.25,
): { chosen: Measured; tried: Measured[] } {
  const tried: Measured[] = [];
  const at = (t: number): Measured => {
    const m = { threshold: t, ...measure(t) };
    tried.push(m);
    return m;
  };
  const refine = (best: Measured, missed: Measured): Measured => {
    const mid = at(midpoint(best.threshold, missed.threshold));
    return mid.precision >= target && mid.ksr >= best.ksr ? mid : best;
  };
  let i = Math.max(0, THRESHOLDS.indexOf(start as (typeof THRESHOLDS)[number]));
  let m = at(THRESHOLDS[i]);
  if (m.precision >= target) {
    let best = m;
    while (i > 0) {
      const next = at(THRESHOLDS[--i]);
      if (next.precision < target) return { chosen: refine(best, next), tried };
      best = next.ksr >= best.ksr ? next : best;
    }
    return { chosen: best, tried };
  }
  while (i < THRESHOLDS.length - 1) {
    const missed = m;
    m = at(THRESHOLDS[++i]);
    if (m.precision >= target) return { chosen: refine(m, missed), tried };
  }
  return { chosen: m, tried };
}

/**
 * `calibrateThreshold` with the candidate bars (`candidateBars`) measured in passes of many bars at
 * once: the walk then reads its bars from the table. First every bar from one grid step below the
 * start up, which is all most walks need; the bolder bars below only if the walk goes there (they
 * are the dear ones: a bold bar's decodes run longest). Where the walk measures three to seven
 * bars, one pass each, this takes a third of the time or less (bench/README.md, "The source
 * choice's time"). The choice is the walk's over the same measurements either way.
 */
export function calibrateAll(
  measureAll: (bars: number[]) => Omit<Measured, 'threshold'>[],
  target = PRECISION_TARGET,
  start = 0.25,
): { chosen: Measured; tried: Measured[] } {
  const table = new Map<number, Measured>();
  const measure = (bars: number[]) =>
    measureAll(bars).forEach((m, k) => table.set(bars[k], { ...m, threshold: bars[k] }));
  const below = THRESHOLDS[Math.max(0, THRESHOLDS.indexOf(start as (typeof THRESHOLDS)[number]) - 1)];
  measure(candidateBars().filter((t) => t >= below));
  return calibrateThreshold(
    (t) => {
      if (!candidateBars().includes(t)) throw new Error(`bar ${t} is not among the candidate bars`);
      // A bar below the first pass: every bar not measured yet, in one more pass.
      if (!table.has(t)) measure(candidateBars().filter((b) => !table.has(b)));
      return table.get(t)!;
    },
    target,
    start,
  );
}
