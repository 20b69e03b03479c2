import * as tf from '@tensorflow/tfjs';
import { paramShapes, type ModelSpec } from './spec.ts';
import { checkWeights, type Weights } from './weights.ts';

export interface LayersArtifacts {
  /** The contents of model.json (tfjs layers format). */
  modelJson: unknown;
  /** The contents of the weights file model.json names. */
  weightData: Uint8Array;
}

export const WEIGHTS_FILE = 'group1-shard1of1.bin';

function buildSequential(spec: ModelSpec): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.embedding({
      inputDim: spec.vocab.length,
      outputDim: spec.embedding,
      batchInputShape: [null, null],
      name: 'embedding',
    }),
  );
  spec.units.forEach((H, l) =>
    model.add(
      tf.layers.lstm({
        units: H,
        returnSequences: true,
        recurrentActivation: spec.recurrentActivation,
        // Zeros: the weights are overwritten at once, and the default orthogonal initialiser is slow.
        kernelInitializer: 'zeros',
        recurrentInitializer: 'zeros',
        name: l === 0 ? 'lstm' : `lstm_${l}`,
      }),
    ),
  );
  model.add(tf.layers.dense({ units: spec.vocab.length, activation: 'softmax', name: 'dense' }));
  return model;
}

/** A Keras-compatible Sequential model (Embedding → LSTM… → Dense softmax) in tfjs layers format. */
export async function toLayersArtifacts(spec: ModelSpec, weights: Weights): Promise<LayersArtifacts> {
  checkWeights(spec, weights);
  const model = buildSequential(spec);
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape, 'float32')));
  let out: LayersArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      out = {
        modelJson: {
          format: 'layers-model',
          generatedBy: `Nib (TensorFlow.js ${tf.version.tfjs})`,
          convertedBy: null,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: a.weightSpecs }],
        },
        weightData: new Uint8Array(a.weightData as ArrayBuffer),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return out!;
}

interface LayerLike {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): tf.Tensor[];
  name: string;
}

/**
 * Reads a tfjs layers model (for example a Keras model converted with tensorflowjs_converter) of
 * the shape Nib uses, Embedding → LSTM… → Dense softmax, with the vocabulary given separately.
 */
export async function fromLayersArtifacts(
  modelJson: { modelTopology: unknown; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] },
  weightData: ArrayBuffer,
  vocab: { vocab: string[]; unk: number | null },
): Promise<{ spec: ModelSpec; weights: Weights }> {
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  // The weight files hold exactly what model.json declares: more is another model's data or a
  // damaged file, less is refused by tfjs (in its words: said here in Nib's).
  const bytes = (w: tf.io.WeightsManifestEntry) =>
    (w.shape ?? []).reduce((n, d) => n * Number(d), 1) *
    ({ float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1 } as Record<string, number>)[
      (w as { quantization?: { dtype?: string } }).quantization?.dtype ?? w.dtype
    ];
  const expected = weightSpecs.reduce((n, w) => n + (bytes(w) || 0), 0);
  if (expected !== weightData.byteLength)
    throw new Error(
      `the weight files hold ${weightData.byteLength.toLocaleString('en-US')} bytes where model.json declares ${expected.toLocaleString('en-US')}: a file is missing, damaged or from another model`,
    );
  // One character per entry, each once: "abc" as an entry would be written out whole for one token.
  const seen = new Set<string>();
  for (const ch of vocab.vocab) {
    if ([...ch].length !== 1)
      throw new Error(`vocab.json lists ${JSON.stringify(ch)}: each entry must be one character`);
    if (seen.has(ch)) throw new Error(`vocab.json lists ${JSON.stringify(ch)} twice: each character once`);
    seen.add(ch);
  }
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs, weightData }),
  );
  try {
    const layers = (model.layers as unknown as LayerLike[]).filter(
      (l) => !['InputLayer', 'Dropout'].includes(l.getClassName()),
    );
    const kinds = layers.map((l) => l.getClassName());
    const shapeText = `found ${kinds.join(' → ')}`;
    if (
      kinds[0] !== 'Embedding' ||
      kinds.at(-1) !== 'Dense' ||
      kinds.length < 3 ||
      kinds.slice(1, -1).some((k) => k !== 'LSTM')
    ) {
      throw new Error(`Nib reads Embedding → LSTM (one or more) → Dense models; ${shapeText}`);
    }
    const lstms = layers.slice(1, -1);
    const acts = new Set(lstms.map((l) => String(l.getConfig().recurrentActivation)));
    if (acts.size !== 1 || !['sigmoid', 'hardSigmoid'].includes([...acts][0])) {
      throw new Error(
        `unsupported LSTM recurrent activation ${[...acts].join(', ')} (Nib supports sigmoid and hardSigmoid)`,
      );
    }
    for (const l of lstms) {
      const c = l.getConfig();
      if (c.activation !== 'tanh' || c.useBias === false)
        throw new Error(`LSTM layer ${l.name} must use tanh activation and a bias`);
    }
    const dense = layers.at(-1)!;
    if (dense.getConfig().activation !== 'softmax' && dense.getConfig().activation !== 'linear') {
      throw new Error(
        `the last Dense layer must be softmax (or linear logits), found ${String(dense.getConfig().activation)}`,
      );
    }
    const [emb] = layers[0].getWeights();
    const spec: ModelSpec = {
      kind: 'char-lstm',
      vocab: vocab.vocab,
      unk: vocab.unk,
      embedding: emb.shape[1]!,
      units: lstms.map((l) => Number(l.getConfig().units)),
      recurrentActivation: [...acts][0] as ModelSpec['recurrentActivation'],
    };
    if (emb.shape[0] !== vocab.vocab.length) {
      throw new Error(`the vocabulary has ${vocab.vocab.length} entries but the embedding expects ${emb.shape[0]}`);
    }
    const tensors = layers.flatMap((l) => l.getWeights());
    const names = paramShapes(spec);
    const weights: Weights = tensors.map((t, i) => ({
      name: names[i]?.name ?? `w${i}`,
      shape: t.shape as number[],
      data: t.dataSync() as Float32Array,
    }));
    checkWeights(spec, weights);
    for (const w of weights)
      if (!w.data.every(Number.isFinite))
        throw new Error(`the weights of ${w.name} hold NaN or infinite values: the file is damaged`);
    return { spec, weights };
  } finally {
    model.dispose();
  }
}
