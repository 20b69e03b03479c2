import * as tf from '@tensorflow/tfjs';
import { ADAM, type OptimizerState, type StepOptions, type TrainEngine } from './engine.ts';
import type { ModelSpec } from './spec.ts';
import { checkWeights, type Weights } from './weights.ts';

/**
 * The LSTM written out with tfjs ops (runs on every tfjs backend, GPU included). The cell follows
 * the README's LSTM equations with tfjs-layers' gate order i, f, c, o inside each 4H block. Gradients come from tfjs's
 * autodiff; Adam and clipping are explicit so their state can be checkpointed exactly.
 */
export class TfjsEngine implements TrainEngine {
  readonly name = 'tfjs';
  private readonly vars: tf.Variable[];
  private m: tf.Variable[];
  private v: tf.Variable[];
  private t = 0;
  private readonly names: string[];
  private readonly shapes: number[][];

  constructor(
    private readonly spec: ModelSpec,
    weights: Weights,
  ) {
    checkWeights(spec, weights);
    this.names = weights.map((w) => w.name);
    this.shapes = weights.map((w) => w.shape);
    this.vars = tf.tidy(() => weights.map((w) => tf.variable(tf.tensor(w.data, w.shape, 'float32'), true)));
    this.m = this.vars.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = this.vars.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  private forward(ids: tf.Tensor1D, B: number, T: number, dropout: number, seed: number): tf.Tensor2D {
    const V = this.spec.vocab.length;
    const [table] = this.vars;
    // gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks; for a character
    // vocabulary a one-hot product is as cheap and works everywhere.
    const embed = tf.customGrad(((tbl: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return {
        value: tf.gather(tbl, ids),
        gradFunc: (dy: tf.Tensor) => tf.matMul(tf.cast(tf.oneHot(ids, V), 'float32'), dy as tf.Tensor2D, true, false),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    let seq = embed(table) as tf.Tensor2D; // [B*T, in]
    const gate = this.spec.recurrentActivation === 'hardSigmoid' ? hardSigmoid : tf.sigmoid;
    let p = 1;
    let layerSeed = seed;
    for (const H of this.spec.units) {
      const [W, U, b] = [this.vars[p], this.vars[p + 1], this.vars[p + 2]] as tf.Tensor2D[];
      p += 3;
      const xw = tf.reshape(tf.add(tf.matMul(seq, W), b), [B, T, 4 * H]);
      const steps = tf.unstack(xw, 1) as tf.Tensor2D[];
      let h: tf.Tensor2D = tf.zeros([B, H]);
      let c: tf.Tensor2D = tf.zeros([B, H]);
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const z = tf.add(steps[t], tf.matMul(h, U));
        const [zi, zf, zc, zo] = tf.split(z, 4, 1);
        c = tf.add(tf.mul(gate(zf), c), tf.mul(gate(zi), tf.tanh(zc)));
        h = tf.mul(gate(zo), tf.tanh(c));
        hs.push(h);
      }
      seq = tf.reshape(tf.stack(hs, 1), [B * T, H]) as tf.Tensor2D;
      if (dropout > 0) seq = tf.dropout(seq, dropout, undefined, layerSeed++) as tf.Tensor2D;
    }
    const [Wd, bd] = [this.vars[p], this.vars[p + 1]];
    return tf.add(tf.matMul(seq, Wd as tf.Tensor2D), bd) as tf.Tensor2D;
  }

  private crossEntropy(logits: tf.Tensor2D, y: Int32Array): tf.Scalar {
    const V = this.spec.vocab.length;
    const labels = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), V), 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
  }

  async trainStep(x: Int32Array, y: Int32Array, B: number, T: number, o: StepOptions): Promise<number> {
    this.t += 1;
    const t = this.t;
    const lossT = tf.tidy(() => {
      const ids = tf.tensor1d(x, 'int32');
      const { value, grads } = tf.variableGrads(
        () => this.crossEntropy(this.forward(ids, B, T, o.dropout, o.seed), y),
        this.vars,
      );
      const gs = this.vars.map((v) => grads[v.name]);
      const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(o.clipNorm, tf.add(norm, 1e-6)));
      const c1 = 1 - ADAM.beta1 ** t;
      const c2 = 1 - ADAM.beta2 ** t;
      this.vars.forEach((p, i) => {
        const g = tf.mul(gs[i], scale);
        const m = tf.add(tf.mul(this.m[i], ADAM.beta1), tf.mul(g, 1 - ADAM.beta1));
        const v = tf.add(tf.mul(this.v[i], ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.mul(m, o.lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), ADAM.epsilon));
        p.assign(tf.sub(p, update));
      });
      return value;
    });
    const loss = (await lossT.data())[0];
    lossT.dispose();
    return loss;
  }

  async evaluate(x: Int32Array, y: Int32Array, B: number, T: number): Promise<number> {
    const lossT = tf.tidy(() => this.crossEntropy(this.forward(tf.tensor1d(x, 'int32'), B, T, 0, 0), y));
    const loss = (await lossT.data())[0];
    lossT.dispose();
    return loss;
  }

  async logits(x: Int32Array, B: number, T: number): Promise<Float32Array> {
    const out = tf.tidy(() => this.forward(tf.tensor1d(x, 'int32'), B, T, 0, 0));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  getWeights(): Weights {
    return this.vars.map((v, i) => ({
      name: this.names[i],
      shape: [...this.shapes[i]],
      data: v.dataSync() as Float32Array,
    }));
  }

  setWeights(w: Weights): void {
    checkWeights(this.spec, w);
    tf.tidy(() => this.vars.forEach((v, i) => v.assign(tf.tensor(w[i].data, w[i].shape, 'float32'))));
  }

  getOptimizerState(): OptimizerState {
    const read = (vs: tf.Variable[]) =>
      vs.map((v, i) => ({ name: this.names[i], shape: [...this.shapes[i]], data: v.dataSync() as Float32Array }));
    return { t: this.t, m: read(this.m), v: read(this.v) };
  }

  setOptimizerState(s: OptimizerState): void {
    this.t = s.t;
    tf.tidy(() => {
      s.m.forEach((a, i) => this.m[i].assign(tf.tensor(a.data, a.shape, 'float32')));
      s.v.forEach((a, i) => this.v[i].assign(tf.tensor(a.data, a.shape, 'float32')));
    });
  }

  dispose(): void {
    for (const v of [...this.vars, ...this.m, ...this.v]) v.dispose();
  }
}

function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
}
