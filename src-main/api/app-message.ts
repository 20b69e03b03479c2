import type { WireError } from './errors.ts';

// How the app words an error from the core: its own module, free of the contract's schemas, so the
// Electron preload (a sandboxed script) and the web renderer word errors the same way.

/**
 * The app's names for the fields its forms send (the labels the writer sees), for a message about
 * one that was refused: "“Longest suggestion (words)” must be between 1 and 50", not the method's
 * and field's names.
 */
const APP_FIELDS: Record<string, string> = {
  corpus: 'The corpus name',
  model: 'The model name',
  name: 'The name',
  to: 'The new name',
  title: 'The title',
  files: 'The files chosen',
  pauseMs: '“Pause before suggesting”',
  confidenceBar: '“Confidence bar”',
  creativity: '“Creativity”',
  maxWords: '“Longest suggestion (words)”',
  maxChars: '“Longest suggestion (characters)”',
  learnIdleSec: '“Start learning after this many idle seconds”',
  maxSteps: '“Steps”',
  maxTimeSec: '“Time limit”',
};

/** An error as the app shows it: the problem with what to do in the app's words, a refused field by its label. */
export function appMessage(e: WireError): string {
  if (e.field && e.reason) {
    const field = e.field.replace(/\[\d+\].*$/, '');
    return `${APP_FIELDS[field] ?? `“${e.field}”`} ${e.reason}`;
  }
  return e.hint ? `${e.problem}: ${e.hint.app}` : (e.problem ?? e.message);
}
