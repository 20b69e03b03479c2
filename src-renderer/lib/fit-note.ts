import type { CoreEvent } from '../../src-main/core/core.ts';

type FitEvent = Extract<CoreEvent, { type: 'base-fitting' | 'base-fitted' }>;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * What the Library says about the fit Nib makes after an import (services/base-fit.ts): while it
 * runs, and how it came out. `fitting` is the corpus the fit was started for (the 'base-fitting'
 * event's): a fit that measured nothing says why instead of saying nothing. Empty when there is
 * nothing to say (a fit with no corpus, after the last one was deleted, puts the base back as it
 * came, as the writer asked).
 */
export function fitNote(e: FitEvent, fitting: string | null): string {
  if (e.type === 'base-fitting')
    return e.corpus
      ? `Fitting suggestions to “${e.corpus}”: measuring the base model with its phrases on the text Nib held out (a minute or so; keep writing meanwhile)…`
      : '';
  const c = e.choice;
  const kept = !c && e.measured?.base ? e.measured : null;
  if (!c && !kept)
    // chooseSource measures on a tenth of each document, and needs 1,000 characters of it.
    return fitting
      ? `Suggestions stay as Nib came: “${fitting}” has too little text yet to measure whether its phrases help (about 10,000 characters are needed). Import more of your writing into it, or keep writing: drafts you add to it count too.`
      : '';
  if (kept) {
    // Measured, and the base as it came kept: it saved more there than with the writer's phrases.
    const best = kept.measured.find((m) => m.source === kept.source);
    return `Suggestions stay as Nib came: on the text Nib held out of “${kept.corpus}”, the base model as it came saves ${pct(kept.base!.ksr)} of keystrokes${best ? `, more than with its phrases (${pct(best.ksr)})` : ''}. Personalise it in Train to learn your voice.`;
  }
  const own = c!.measured.find((m) => m.source === c!.source);
  const alone = c!.measured.find((m) => m.source === 'lstm');
  if (!own || !alone) return '';
  if (c!.source === 'lstm')
    return `Suggestions are fitted to “${e.corpus}”: the base model, at the confidence measured on its held-out text, saves ${pct(own.ksr)} of keystrokes there. Personalise it in Train to learn your voice.`;
  const mix = c!.source === 'mix';
  return own.ksr >= alone.ksr
    ? `Suggestions now use your phrases: ${mix ? 'the base model mixed with the phrases of' : 'the phrases of'} “${e.corpus}” save ${pct(own.ksr)} of keystrokes on its held-out text, where the base alone saves ${pct(alone.ksr)}. Personalise it in Train to learn more of your voice.`
    : // Chosen on a near-tie of keystrokes by being right more often (ml/source-choice.ts): said
      // so, or it reads as a step down.
      `Suggestions now use your phrases: on the text Nib held out of “${e.corpus}”, ${mix ? 'the base model mixed with its phrases saves' : 'its phrases save'} about as many keystrokes as the base alone (${pct(own.ksr)} and ${pct(alone.ksr)}) and ${mix ? 'is' : 'are'} right more often (${pct(own.precision)} of suggestions, against ${pct(alone.precision)}). Personalise it in Train to learn more of your voice.`;
}

/**
 * The latest fit's note for the app's whole session, not only while the Library is open: a fit
 * takes a minute, and the writer is likely in the editor when it ends. `watch` starts listening
 * (the app calls it once at start); a view reads the note with `onFitNote`.
 */
let note = '';
let fitting: string | null = null;
const listeners = new Set<(note: string) => void>();

export function watchFits(onEvent: (fn: (e: CoreEvent) => void) => () => void): () => void {
  return onEvent((e) => {
    if (e.type !== 'base-fitting' && e.type !== 'base-fitted') return;
    if (e.type === 'base-fitting') fitting = e.corpus;
    note = fitNote(e, fitting);
    for (const fn of listeners) fn(note);
  });
}

/** Calls `fn` with the note now and at every change, until the returned function is called. */
export function onFitNote(fn: (note: string) => void): () => void {
  fn(note);
  listeners.add(fn);
  return () => listeners.delete(fn);
}
