import { PRECISION_TARGET } from '../ml/calibrate.ts';
import type { SourceChoice } from '../ml/source-choice.ts';
import { getCorpus, listCorpora, type CorpusRow } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { getBaseModel, setSuggestSource } from '../store/models.ts';
import { getSettings, setSettings } from '../store/settings.ts';
import { shippedSource, usesShippedNgram } from './base-model.ts';
import { DRAFTS_CORPUS } from './drafts-corpus.ts';
import { storedNgramStamp } from './ngram.ts';
import { chooseSource } from './source-choice.ts';

/**
 * The base model fitted to the writer's own text without training. Once a writer has imported
 * their writing, its character n-gram knows their names, terms and turns of phrase, and mixed with
 * the base it saves almost as many keystrokes as ten minutes of personalising (bench/README.md,
 * "The base with the writer's phrases"): so, while the base is the model in use, Nib measures on
 * that corpus's held-out text the base alone, the corpus's n-gram alone and their mixture, each at
 * its own bar (services/source-choice.ts, as after a training run), and the base suggests with the
 * best. No weights change: only how the base suggests, stored with it (`suggest_source`, naming the
 * corpus), so the Models view, `nib models`, `nib eval` and the ML host all read the same choice.
 *
 * The corpus is the writer's largest (not the drafts mirror, which learning uses): the fullest
 * n-gram of their phrases. A stamp of the base's version, the corpus and its n-gram's build records
 * what was fitted, so an import, a deleted document or a new base makes it measure again.
 */

const STAMP_KEY = 'baseFittedTo';

/** The corpus the base would be fitted to: the writer's largest, if any. */
export function baseFitCorpus(db: Db): CorpusRow | undefined {
  return listCorpora(db)
    .filter((c) => c.name !== DRAFTS_CORPUS && c.documents > 0)
    .sort((a, b) => b.chars - a.chars || a.id - b.id)[0];
}

/** What a fit to this corpus as it stands would record (null: its n-gram is not built yet). */
function stampOf(db: Db, corpus: CorpusRow | undefined): string | null {
  const base = getBaseModel(db);
  if (!base) return null;
  if (!corpus) return `${base.parent}:none`;
  const ngram = storedNgramStamp(db, corpus.id);
  // What a fit measures changed with the base's n-gram (its pair with the writer's, the base as
  // shipped beside the candidates), and with the higher bar before a word (ml/suggest.ts
  // WORD_START_BAR, fit3): a fit made before is due again, once.
  const rules = usesShippedNgram(shippedSource()) ? 'fit3+ngram' : 'fit3';
  return ngram ? `${base.parent}:${rules}:${ngram}` : null;
}

/** The corpus to fit the base to now, or null when what is stored is current (or cannot be fitted yet). */
export function baseFitDue(db: Db): { corpus: string | null; stamp: string } | null {
  const corpus = baseFitCorpus(db);
  const stamp = stampOf(db, corpus);
  if (stamp === null || getSettings(db)[STAMP_KEY] === stamp) return null;
  return { corpus: corpus?.name ?? null, stamp };
}

/**
 * Measures and stores how the base suggests for the writer's text (`corpus`, by default their
 * largest). With no corpus, or one too short to hold text out, the base suggests as it shipped.
 */
export function fitBase(
  db: Db,
  corpusName?: string | null,
): {
  corpus: string | null;
  /** What the base suggests with now: null, as it shipped. */
  choice: SourceChoice | null;
  /** What was measured on the corpus, kept or not (absent: nothing to measure on). */
  measured?: SourceChoice;
} {
  const base = getBaseModel(db);
  if (!base) return { corpus: null, choice: null };
  const corpus = corpusName ? getCorpus(db, corpusName) : baseFitCorpus(db);
  const stamp = stampOf(db, corpus);
  const measured = corpus ? chooseSource(db, base, undefined, undefined, undefined, corpus) : null;
  // The base as shipped (with its own n-gram) can beat every source fitted to a small corpus: then it stays.
  const choice = measured && !shippedWins(measured) ? measured : null;
  if (!choice) setSuggestSource(db, base.id, shippedSource());
  if (stamp !== null) setSettings(db, { [STAMP_KEY]: stamp });
  return { corpus: choice ? corpus!.name : null, choice, ...(measured && { measured }) };
}

/**
 * Whether the base as shipped saved more keystrokes on the writer's held-out text than the source
 * chosen for it, and by more than half a point (the margin pickSource treats as a tie), while right
 * at least half the time: measured at its shipped bar against sources at bars fitted to that text.
 */
export function shippedWins(choice: SourceChoice): boolean {
  const chosen = choice.measured.find((m) => m.source === choice.source);
  const b = choice.base;
  return !!b && !!chosen && b.precision >= PRECISION_TARGET && b.ksr > chosen.ksr + 0.005;
}
