/**
 * Straight and curly quotes are one character to the models, and a suggestion takes the quotes the
 * document uses.
 *
 * A writer's imported documents (Word, a Mac, a book) mostly have curly quotes and apostrophes
 * (’ “ ”), while what they type in Nib's editor has straight ones (' "). Read as different
 * characters, the corpus's n-gram would never recall a phrase with an apostrophe once typed, and
 * the base model, whose training text has 20 straight apostrophes to each curly one, guesses worse
 * after "don’t" than after "don't" (the base after "I don’t kn": no suggestion; after "I don't
 * kn": "ow"). So the tokenizer reads ‘ ’ as ' and “ ” as " (ml/tokenizer.ts, wherever the
 * vocabulary has the straight one), in training, evaluation and suggesting alike; and a suggestion,
 * decoded with straight quotes, is written with the quotes of the text before it (`styleQuotes`).
 */

/** The curly quotes read as their straight counterparts. */
export const FOLDED_QUOTES: ReadonlyMap<string, string> = new Map([
  ['‘', "'"],
  ['’', "'"],
  ['“', '"'],
  ['”', '"'],
]);

/** How far back the document's quotes are looked at: a few pages. */
export const QUOTE_WINDOW = 4000;
/** Any quote, straight or curly. */
export const QUOTE = /['"‘’“”]/;

/** Whether the text before the cursor writes its quotes curly: more curly than straight ones lately. */
export function usesCurlyQuotes(before: string): boolean {
  let curly = 0;
  let straight = 0;
  for (let i = Math.max(0, before.length - QUOTE_WINDOW); i < before.length; i++) {
    const c = before[i];
    if (c === "'" || c === '"') straight++;
    else if (FOLDED_QUOTES.has(c)) curly++;
  }
  return curly > straight;
}

/**
 * A suggestion's quotes in the document's style. Curly: an apostrophe or closing quote (after a
 * letter, digit or closing mark) is ’ or ”, an opening one (at the start, after a space, an opening
 * bracket or a dash) ‘ or “. Straight: curly quotes the model wrote are straightened.
 */
export function styleQuotes(suggestion: string, before: string, curly = usesCurlyQuotes(before)): string {
  if (!QUOTE.test(suggestion)) return suggestion;
  let out = '';
  let prev = before.slice(-1);
  for (const c of suggestion) {
    let q = c;
    if (curly && (c === "'" || c === '"')) {
      const opening = prev === '' || /[\s([{<\u2014\u2013-]/.test(prev);
      q = c === "'" ? (opening ? '‘' : '’') : opening ? '“' : '”';
    } else if (!curly && FOLDED_QUOTES.has(c)) q = FOLDED_QUOTES.get(c)!;
    out += q;
    prev = q;
  }
  return out;
}
