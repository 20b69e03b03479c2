import type { BackendReport } from '../ml/backend.ts';
import { createEngine } from '../ml/engines.ts';
import { CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../ml/train-config.ts';
import { DataError, splitCorpus, type TrainData } from '../ml/train-data.ts';
import { evaluate } from '../ml/train-loop.ts';
import { corpusTexts, getCorpus } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { getModel, setMeasured } from '../store/models.ts';
import { invalid, NibError, noCorpus, noModel } from '../api/errors.ts';
import { loadWeightsFor } from './model-weights.ts';
import { summarise, type ModelSummary } from './models.ts';

/**
 * Windows scored: 1,024 × 64 characters, four times what a training evaluation scores, since this
 * figure is the only one an imported model has and is read beside trained models' figures.
 */
const WINDOWS = 1024;

/**
 * An imported model was trained elsewhere, so Nib has no validation loss for it: this measures its
 * bits/char on a corpus's held-out tails (the same split, and the same loss, that training reports
 * for models trained here) and records the corpus with the figure. Trained models and the base
 * carry their own validation loss and are not re-measured this way.
 */
export async function measureModel(
  db: Db,
  backend: BackendReport,
  name: string,
  corpusName: string,
): Promise<ModelSummary> {
  const row = getModel(db, name);
  if (!row) throw noModel(name);
  if (row.origin !== 'imported')
    throw invalid(
      `model "${name}" was ${row.origin === 'base' ? 'shipped with Nib' : 'trained here'} and carries its own validation loss: only an imported model is measured on a corpus`,
    );
  const corpus = getCorpus(db, corpusName);
  if (!corpus) throw noCorpus(corpusName);
  const { spec, weights } = loadWeightsFor(db, row);
  const config: TrainConfig = { ...DEFAULT_TRAIN, evalWindows: WINDOWS };
  const tooShort = {
    cli: 'import more writing into it with nib import, or choose another --corpus',
    app: 'import more writing into it, or choose another corpus to measure on',
  };
  let data: TrainData;
  try {
    data = splitCorpus(corpusTexts(db, corpus.id), CharTokenizer.fromSpec(spec), config.valFraction, config.seqLen);
  } catch (e) {
    // The corpus cannot give held-out text (too short): said in the front end's words, not as a crash.
    if (e instanceof DataError)
      throw new NibError('data', `cannot measure model "${name}" on corpus "${corpusName}": ${e.problem}`, tooShort);
    throw e;
  }
  if (data.val.length < config.seqLen + 2)
    throw new NibError('data', `corpus "${corpusName}" has too little text to measure a model on`, tooShort);
  const engine = createEngine(spec, weights, backend);
  try {
    setMeasured(db, row.id, await evaluate(engine, data.val, config), corpus.name);
  } finally {
    engine.dispose();
  }
  return summarise(getModel(db, name)!);
}
