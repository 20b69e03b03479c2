/** What a model is: architecture and tokenizer. Stored with the model; weights follow this layout. */
export interface ModelSpec {
  kind: 'char-lstm';
  vocab: string[];
  /** Index that unknown characters map to, or null to drop them. */
  unk: number | null;
  embedding: number;
  units: number[];
  /** 'sigmoid' as in README.md's equations and PyTorch; 'hardSigmoid' for models imported from tfjs-layers defaults. */
  recurrentActivation: 'sigmoid' | 'hardSigmoid';
}

export interface Preset {
  layers: number;
  units: number;
  embedding: number;
  seqLen: number;
  batch: number;
}

export const PRESETS: Record<'small' | 'medium' | 'large', Preset> = {
  small: { layers: 1, units: 128, embedding: 32, seqLen: 64, batch: 32 },
  medium: { layers: 2, units: 256, embedding: 64, seqLen: 64, batch: 32 },
  large: { layers: 3, units: 512, embedding: 128, seqLen: 100, batch: 32 },
};

export type PresetName = keyof typeof PRESETS;

export interface ParamShape {
  name: string;
  shape: number[];
}

/**
 * Parameter names and shapes in tfjs-layers' layout, so weights export to and import from
 * `model.json` unchanged. LSTM gate blocks within the 4H axis are ordered i, f, c, o.
 */
export function paramShapes(spec: Pick<ModelSpec, 'vocab' | 'embedding' | 'units'>): ParamShape[] {
  const V = spec.vocab.length;
  const out: ParamShape[] = [{ name: 'embedding/embeddings', shape: [V, spec.embedding] }];
  let input = spec.embedding;
  spec.units.forEach((H, l) => {
    const p = l === 0 ? 'lstm' : `lstm_${l}`;
    out.push({ name: `${p}/kernel`, shape: [input, 4 * H] });
    out.push({ name: `${p}/recurrent_kernel`, shape: [H, 4 * H] });
    out.push({ name: `${p}/bias`, shape: [4 * H] });
    input = H;
  });
  out.push({ name: 'dense/kernel', shape: [input, V] });
  out.push({ name: 'dense/bias', shape: [V] });
  return out;
}

export function paramCount(spec: Pick<ModelSpec, 'vocab' | 'embedding' | 'units'>): number {
  return paramShapes(spec).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** Multiply-adds per character for one forward pass (training costs about three times this). */
export function macsPerChar(spec: Pick<ModelSpec, 'vocab' | 'embedding' | 'units'>): number {
  let input = spec.embedding;
  let macs = 0;
  for (const H of spec.units) {
    macs += (input + H) * 4 * H;
    input = H;
  }
  return macs + input * spec.vocab.length;
}
