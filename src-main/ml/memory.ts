import os from 'node:os';
import { paramCount, type ModelSpec } from './spec.ts';

/**
 * Bytes a training run needs, estimated from the shapes before anything is allocated: the
 * parameters with their gradients and Adam moments (4 copies), and the kernel's activations for
 * one batch of batch × seqLen rows (embeddings, gates, cells and outputs of every layer, logits,
 * two gradient buffers, dropout masks). A run that would not fit is refused before it starts
 * rather than found out by the operating system.
 */
export function trainingBytes(
  spec: Pick<ModelSpec, 'vocab' | 'embedding' | 'units'>,
  batch: number,
  seqLen: number,
  dropout = 0,
): number {
  const R = batch * seqLen;
  const V = spec.vocab.length;
  const maxD = Math.max(spec.embedding, ...spec.units);
  let floats = 4 * paramCount(spec);
  floats += R * (spec.embedding + V + 2 * maxD);
  for (const H of spec.units) floats += R * H * (4 + 1 + 1 + (dropout > 0 ? 1 : 0));
  return floats * 4;
}

/** The default ceiling: half of this computer's memory. */
export function defaultMemoryLimit(): number {
  return Math.floor(os.totalmem() / 2);
}
