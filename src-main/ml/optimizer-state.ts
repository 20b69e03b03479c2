import type { OptimizerState } from './engine.ts';
import { decodeArrays, encodeArrays } from './weights.ts';

/**
 * Adam's moments in a checkpoint, in Nib's weights format: the first moments named "m:<param>",
 * the second "v:<param>", the step count in the metadata. A resumed run continues with exactly
 * the optimizer state it stopped with.
 */
export function encodeOptimizer(s: OptimizerState): Uint8Array {
  return encodeArrays(
    [...s.m.map((a) => ({ ...a, name: `m:${a.name}` })), ...s.v.map((a) => ({ ...a, name: `v:${a.name}` }))],
    { t: s.t },
  );
}

export function decodeOptimizer(bytes: Uint8Array): OptimizerState {
  const { arrays, meta } = decodeArrays(bytes);
  const strip = (a: (typeof arrays)[number]) => ({ ...a, name: a.name.slice(2) });
  return {
    t: (meta as { t: number }).t,
    m: arrays.filter((a) => a.name.startsWith('m:')).map(strip),
    v: arrays.filter((a) => a.name.startsWith('v:')).map(strip),
  };
}
