/**
 * WGSL compute shaders of the WebGPU training engine (webgpu-engine.ts). The equations are those
 * of the native kernel (native/src/lstm.c) and of the float64 reference in test/helpers.ts:
 *
 *   z = x·W + h₋₁·U + b, gates i, f, g, o in that order (tfjs-layers' i, f, c, o),
 *   i, f, o = σ(z), g = tanh(z), c = f·c₋₁ + i·g, h = o·tanh(c), logits = h·Wd + bd,
 *   loss = mean cross-entropy over B·T positions, then global-norm clipping and Adam.
 *
 * Activations are time-major: row r = t·B + b. Every float buffer is a flat array<f32>; weights,
 * gradients and Adam's moments are single flat buffers in tfjs-layers order (one Adam dispatch,
 * one clipping reduction). The recurrence runs as one dispatch per layer and direction: one
 * workgroup per sequence walks all T steps, keeping h (forward) or dz (backward) of the previous
 * step in workgroup memory, so a step costs a workgroup barrier rather than a dispatch.
 */

/** Threads of the sequence kernels; a thread owns units j ≡ lid (mod 256), at most 4 each (H ≤ 1024). */
export const SEQ_THREADS = 256;
/** The side of the tile of C one MATMUL workgroup computes. */
export const MATMUL_TILE = 64;
export const MAX_UNITS = 1024;

const ACT = /* wgsl */ `
fn sigm(x: f32, hard: u32) -> f32 {
  if (hard == 1u) { return clamp(0.2 * x + 0.5, 0.0, 1.0); }
  return 1.0 / (1.0 + exp(-x));
}
// d σ / d z in terms of σ's output.
fn dsigm(s: f32, hard: u32) -> f32 {
  if (hard == 1u) { return select(0.0, 0.2, s > 0.0 && s < 1.0); }
  return s * (1.0 - s);
}
// tanh without exp overflow (some implementations return NaN for large |x|).
fn tanh_s(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  let t = (1.0 - e) / (1.0 + e);
  return select(-t, t, x >= 0.0);
}
`;

/** The matrix products' parameters, bindings and reads of op(A) and op(B), zero outside them. */
const MATMUL_IO = /* wgsl */ `
struct P { M: u32, N: u32, K: u32, transA: u32, transB: u32, lda: u32, ldb: u32, ldc: u32,
           offA: u32, offB: u32, offC: u32, offBias: u32, hasBias: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> Bm: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;
fn a_at(m: u32, k: u32) -> f32 {
  if (m >= u.M || k >= u.K) { return 0.0; }
  if (u.transA == 1u) { return A[u.offA + k * u.lda + m]; }
  return A[u.offA + m * u.lda + k];
}
fn b_at(k: u32, n: u32) -> f32 {
  if (k >= u.K || n >= u.N) { return 0.0; }
  if (u.transB == 1u) { return Bm[u.offB + n * u.ldb + k]; }
  return Bm[u.offB + k * u.ldb + n];
}
`;

/**
 * C[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N]); op transposes when trans* = 1. A workgroup of 16×16
 * threads computes a 64×64 tile of C, each thread a 4×4 block of it (rows ty + 16i, columns
 * tx + 16j), from 64×16 and 16×64 tiles of A and B staged in workgroup memory: sixteen
 * multiply-adds per eight loads from it, where one output per thread did one per two. On a GPU the
 * matrix products are most of a training step's arithmetic (x·W and the three products of its
 * gradient, per layer).
 */
export const MATMUL = /* wgsl */ `
${MATMUL_IO}
var<workgroup> ta: array<array<f32, 16>, 64>;
var<workgroup> tb: array<array<f32, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let m0 = wid.y * 64u;
  let n0 = wid.x * 64u;
  let lin = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
  let tiles = (u.K + 15u) / 16u;
  for (var t = 0u; t < tiles; t++) {
    let k0 = t * 16u;
    for (var e = 0u; e < 4u; e++) {
      let idx = lin + 256u * e;
      // A's tile: 64 rows × 16 of K; B's: 16 of K × 64 columns (consecutive threads, consecutive
      // columns: coalesced where B is not transposed).
      ta[idx / 16u][idx % 16u] = a_at(m0 + idx / 16u, k0 + idx % 16u);
      tb[idx / 64u][idx % 64u] = b_at(k0 + idx / 64u, n0 + idx % 64u);
    }
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = ta[lid.y + 16u * i][k]; b[i] = tb[k][lid.x + 16u * i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] += a[i] * b[j]; } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + lid.y + 16u * i;
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + lid.x + 16u * j;
      if (row < u.M && col < u.N) {
        var v = acc[i][j];
        if (u.hasBias == 1u) { v += bias[u.offBias + col]; }
        C[u.offC + row * u.ldc + col] = v;
      }
    }
  }
}`;

/**
 * MATMUL for products with fewer than 64 rows or columns (a suggestion's few states times the dense
 * layer): one output per thread in 16×16 tiles, where a 64×64 tile would mostly compute padding.
 */
export const MATMUL_SMALL = /* wgsl */ `
${MATMUL_IO}
var<workgroup> ta: array<array<f32, 16>, 16>;
var<workgroup> tb: array<array<f32, 16>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.y * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  var acc = 0.0;
  let tiles = (u.K + 15u) / 16u;
  for (var t = 0u; t < tiles; t++) {
    ta[lid.y][lid.x] = a_at(row, t * 16u + lid.x);
    tb[lid.y][lid.x] = b_at(t * 16u + lid.y, col);
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) { acc += ta[lid.y][k] * tb[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < u.M && col < u.N) {
    if (u.hasBias == 1u) { acc += bias[u.offBias + col]; }
    C[u.offC + row * u.ldc + col] = acc;
  }
}`;

/** Embedding lookup: X0[r, e] = params[offE + tok[r]·E + e]. */
export const GATHER = /* wgsl */ `
struct P { rows: u32, E: u32, offE: u32, p0: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> tok: array<u32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read_write> X: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= u.rows * u.E) { return; }
  let r = i / u.E;
  X[i] = W[u.offE + tok[r] * u.E + (i % u.E)];
}`;

/**
 * One LSTM layer forward over all T steps; workgroup b runs sequence b. Z holds x·W + b for every
 * row (one matmul before this); the recurrent part h₋₁·U is added here.
 */
export const LSTM_FORWARD = /* wgsl */ `
${ACT}
override MAXH: u32 = ${MAX_UNITS}u;
struct P { B: u32, T: u32, H: u32, offU: u32, hard: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> Z: array<f32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> Cs: array<f32>;
@group(0) @binding(5) var<storage, read_write> Hs: array<f32>;
var<workgroup> hsh: array<f32, MAXH>;
@compute @workgroup_size(${SEQ_THREADS})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let H = u.H;
  let H4 = 4u * H;
  var c: array<f32, 4>;
  var hn: array<f32, 4>;
  for (var s = 0u; s < 4u; s++) {
    c[s] = 0.0;
    let j = lid.x + s * ${SEQ_THREADS}u;
    if (j < H) { hsh[j] = 0.0; }
  }
  workgroupBarrier();
  for (var t = 0u; t < u.T; t++) {
    let r = t * u.B + b;
    for (var s = 0u; s < 4u; s++) {
      let j = lid.x + s * ${SEQ_THREADS}u;
      if (j < H) {
        var zi = Z[r * H4 + j];
        var zf = Z[r * H4 + H + j];
        var zg = Z[r * H4 + 2u * H + j];
        var zo = Z[r * H4 + 3u * H + j];
        for (var k = 0u; k < H; k++) {
          let hk = hsh[k];
          let base = u.offU + k * H4 + j;
          zi += hk * W[base];
          zf += hk * W[base + H];
          zg += hk * W[base + 2u * H];
          zo += hk * W[base + 3u * H];
        }
        let ig = sigm(zi, u.hard);
        let fg = sigm(zf, u.hard);
        let gg = tanh_s(zg);
        let og = sigm(zo, u.hard);
        c[s] = fg * c[s] + ig * gg;
        hn[s] = og * tanh_s(c[s]);
        G[r * H4 + j] = ig;
        G[r * H4 + H + j] = fg;
        G[r * H4 + 2u * H + j] = gg;
        G[r * H4 + 3u * H + j] = og;
        Cs[r * H + j] = c[s];
        Hs[r * H + j] = hn[s];
      }
    }
    workgroupBarrier();
    for (var s = 0u; s < 4u; s++) {
      let j = lid.x + s * ${SEQ_THREADS}u;
      if (j < H) { hsh[j] = hn[s]; }
    }
    workgroupBarrier();
  }
}`;

/**
 * Out = Inᵀ for a rows × cols block of In at offIn (row-major), through a 16×16 tile in workgroup
 * memory so that reads and writes both run along rows. The backward pass reads the recurrent
 * weights U (H × 4H) by column; transposed once per step, its reads are consecutive across threads.
 */
export const TRANSPOSE = /* wgsl */ `
struct P { rows: u32, cols: u32, offIn: u32, p0: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> In: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
var<workgroup> tile: array<array<f32, 17>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let r = wid.y * 16u + lid.y;
  let c = wid.x * 16u + lid.x;
  if (r < u.rows && c < u.cols) { tile[lid.y][lid.x] = In[u.offIn + r * u.cols + c]; }
  workgroupBarrier();
  let orow = wid.x * 16u + lid.y;
  let ocol = wid.y * 16u + lid.x;
  if (orow < u.cols && ocol < u.rows) { Out[orow * u.rows + ocol] = tile[lid.x][lid.y]; }
}`;

/**
 * One LSTM layer backward through time, t = T−1 … 0; workgroup b runs sequence b. dH holds ∂loss/∂h
 * from above (the dense layer or the next layer's input gradient); dz of step t+1 is kept in
 * workgroup memory for the recurrent term dz₊₁·Uᵀ, read from Ut = Uᵀ (4H × H, `TRANSPOSE`) so that
 * threads j, j+1, … read consecutive floats, as the forward pass reads U. Writes dZ (∂loss/∂z for
 * every row).
 */
export const LSTM_BACKWARD = /* wgsl */ `
${ACT}
override MAXH: u32 = ${MAX_UNITS}u;
struct P { B: u32, T: u32, H: u32, offU: u32, hard: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> Ut: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> Cs: array<f32>;
@group(0) @binding(4) var<storage, read> dH: array<f32>;
@group(0) @binding(5) var<storage, read_write> dZ: array<f32>;
var<workgroup> dzsh: array<f32, 4u * MAXH>;
@compute @workgroup_size(${SEQ_THREADS})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let H = u.H;
  let H4 = 4u * H;
  var dcn: array<f32, 4>;
  var dz: array<vec4<f32>, 4>;
  for (var s = 0u; s < 4u; s++) {
    dcn[s] = 0.0;
    let j = lid.x + s * ${SEQ_THREADS}u;
    if (j < H) {
      dzsh[j] = 0.0;
      dzsh[H + j] = 0.0;
      dzsh[2u * H + j] = 0.0;
      dzsh[3u * H + j] = 0.0;
    }
  }
  workgroupBarrier();
  for (var tt = 0u; tt < u.T; tt++) {
    let t = u.T - 1u - tt;
    let r = t * u.B + b;
    for (var s = 0u; s < 4u; s++) {
      let j = lid.x + s * ${SEQ_THREADS}u;
      if (j < H) {
        // ∂loss/∂h: from above, plus the recurrent path through step t+1 (zero at t = T−1).
        var dh = dH[r * H + j];
        for (var q = 0u; q < H4; q++) { dh += dzsh[q] * Ut[q * H + j]; }
        var fnext = 0.0;
        if (t + 1u < u.T) { fnext = G[(r + u.B) * H4 + H + j]; }
        let ig = G[r * H4 + j];
        let fg = G[r * H4 + H + j];
        let gg = G[r * H4 + 2u * H + j];
        let og = G[r * H4 + 3u * H + j];
        let tc = tanh_s(Cs[r * H + j]);
        let dc = dh * og * (1.0 - tc * tc) + dcn[s] * fnext;
        var cprev = 0.0;
        if (t > 0u) { cprev = Cs[(r - u.B) * H + j]; }
        dz[s] = vec4<f32>(dc * gg * dsigm(ig, u.hard), dc * cprev * dsigm(fg, u.hard),
                          dc * ig * (1.0 - gg * gg), dh * tc * dsigm(og, u.hard));
        dcn[s] = dc;
        dZ[r * H4 + j] = dz[s].x;
        dZ[r * H4 + H + j] = dz[s].y;
        dZ[r * H4 + 2u * H + j] = dz[s].z;
        dZ[r * H4 + 3u * H + j] = dz[s].w;
      }
    }
    workgroupBarrier();
    for (var s = 0u; s < 4u; s++) {
      let j = lid.x + s * ${SEQ_THREADS}u;
      if (j < H) {
        dzsh[j] = dz[s].x;
        dzsh[H + j] = dz[s].y;
        dzsh[2u * H + j] = dz[s].z;
        dzsh[3u * H + j] = dz[s].w;
      }
    }
    workgroupBarrier();
  }
}`;

/**
 * Softmax cross-entropy per row: loss[r] = logsumexp(logits) − logits[y]; with grad = 1 the row of
 * logits is replaced by ∂loss/∂logits = (softmax − onehot) · scale (scale = 1 / (B·T), the mean).
 */
export const CROSS_ENTROPY = /* wgsl */ `
struct P { rows: u32, V: u32, grad: u32, p0: u32, scale: f32, q0: f32, q1: f32, q2: f32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> y: array<u32>;
@group(0) @binding(2) var<storage, read_write> L: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= u.rows) { return; }
  let o = r * u.V;
  var mx = L[o];
  for (var v = 1u; v < u.V; v++) { mx = max(mx, L[o + v]); }
  var sum = 0.0;
  for (var v = 0u; v < u.V; v++) { sum += exp(L[o + v] - mx); }
  let tgt = y[r];
  loss[r] = log(sum) + mx - L[o + tgt];
  if (u.grad == 1u) {
    for (var v = 0u; v < u.V; v++) {
      let p = exp(L[o + v] - mx) / sum;
      L[o + v] = (p - select(0.0, 1.0, v == tgt)) * u.scale;
    }
  }
}`;

/** dst[offOut + n] = Σ_m X[offX + m·N + n]: bias gradients. */
export const COLUMN_SUM = /* wgsl */ `
struct P { M: u32, N: u32, offX: u32, offOut: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= u.N) { return; }
  var s = 0.0;
  for (var m = 0u; m < u.M; m++) { s += X[u.offX + m * u.N + n]; }
  dst[u.offOut + n] = s;
}`;

/** Embedding gradient: dst[offE + v·E + e] = Σ over rows r with tok[r] = v of dX[r, e] (no float atomics in WGSL). */
export const EMBEDDING_GRAD = /* wgsl */ `
struct P { rows: u32, E: u32, V: u32, offE: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> tok: array<u32>;
@group(0) @binding(2) var<storage, read> dX: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= u.V * u.E) { return; }
  let v = i / u.E;
  let e = i % u.E;
  var s = 0.0;
  for (var r = 0u; r < u.rows; r++) {
    if (tok[r] == v) { s += dX[r * u.E + e]; }
  }
  dst[u.offE + i] = s;
}`;

/** Workgroups of the squared-norm reduction: partial sums the Adam kernel adds up itself. */
export const NORM_PARTS = 64;

/** partial[w] = Σ g² over this workgroup's stride of the gradient buffer. */
export const SQUARED_NORM = /* wgsl */ `
struct P { n: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
var<workgroup> sh: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * 256u + lid.x; i < u.n; i += ${NORM_PARTS}u * 256u) { s += g[i] * g[i]; }
  sh[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { sh[lid.x] += sh[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partial[wid.x] = sh[0]; }
}`;

/**
 * Adam with global-norm clipping, as native/src/lstm.c: g ← g·min(1, clip / (‖g‖ + 1e-6)),
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − m·(lr/c₁) / (√(v/c₂) + ε), c = 1 − βᵗ.
 */
export const ADAM_STEP = /* wgsl */ `
struct P { n: u32, p0: u32, p1: u32, p2: u32, lr1: f32, ic2: f32, b1: f32, b2: f32, eps: f32, clip: f32, q0: f32, q1: f32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= u.n) { return; }
  var total = 0.0;
  for (var k = 0u; k < ${NORM_PARTS}u; k++) { total += partial[k]; }
  let ratio = u.clip / (sqrt(total) + 1e-6);
  let gi = g[i] * min(ratio, 1.0);
  let mi = u.b1 * m[i] + (1.0 - u.b1) * gi;
  let vi = u.b2 * v[i] + (1.0 - u.b2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] -= mi * u.lr1 / (sqrt(vi * u.ic2) + u.eps);
}`;

/** dst[0] = mean of loss[0 … n−1] (one workgroup). */
export const MEAN = /* wgsl */ `
struct P { n: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
var<workgroup> sh: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < u.n; i += 256u) { s += x[i]; }
  sh[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { sh[lid.x] += sh[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { dst[0] = sh[0] / f32(u.n); }
}`;

/**
 * Dropout between layers, as native/src/lstm.c draws it: the mask of element i of layer l's output
 * (time-major, i = r·H + j) is 1/keep where hash(seed, l, i) < keep, else 0, the same hash as the
 * kernel's, so both engines drop the same units for the same seed. Writes the mask (for the
 * backward pass) and the masked copy the next layer, or the dense layer, reads.
 */
export const DROPOUT = /* wgsl */ `
struct P { n: u32, layer: u32, seed: u32, p0: u32, keep: f32, inv: f32, q0: f32, q1: f32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
fn hash_uniform(seed: u32, layer: u32, idx: u32) -> f32 {
  var x = seed ^ (layer * 0x9E3779B9u) ^ (idx * 0x85EBCA6Bu);
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return f32(x >> 8u) * (1.0 / 16777216.0);
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= u.n) { return; }
  let m = select(0.0, u.inv, hash_uniform(u.seed, u.layer, i) < u.keep);
  mask[i] = m;
  Y[i] = X[i] * m;
}`;

/** Y[i] ← Y[i] · mask[i]: the gradient through dropout. */
export const MASK_MUL = /* wgsl */ `
struct P { n: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= u.n) { return; }
  Y[i] *= mask[i];
}`;

/**
 * One step of one LSTM layer for K independent states (a suggestion's candidates), in place:
 * workgroup k reads its input (layer 0: the embedding row of tok[k]; above: the new h of the layer
 * below) and its h, c into workgroup memory, then thread j computes unit j's gates and writes the
 * new h and c. State layout per k: for each layer h (H floats) then c, as LstmRunner's flat state.
 */
export const LSTM_STEP = /* wgsl */ `
${ACT}
override MAXH: u32 = ${MAX_UNITS}u;
override MAXIN: u32 = ${MAX_UNITS}u;
struct P { K: u32, H: u32, inDim: u32, stride: u32, offState: u32, offIn: u32, layer0: u32, offW: u32,
           offU: u32, offB: u32, offE: u32, hard: u32 }
@group(0) @binding(0) var<uniform> u: P;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> tok: array<u32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;
var<workgroup> xsh: array<f32, MAXIN>;
var<workgroup> hsh: array<f32, MAXH>;
@compute @workgroup_size(${SEQ_THREADS})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let k = wid.x;
  let H = u.H;
  let H4 = 4u * H;
  let base = k * u.stride + u.offState;
  for (var i = lid.x; i < u.inDim; i += ${SEQ_THREADS}u) {
    if (u.layer0 == 1u) { xsh[i] = W[u.offE + tok[k] * u.inDim + i]; }
    else { xsh[i] = S[k * u.stride + u.offIn + i]; }
  }
  for (var j = lid.x; j < H; j += ${SEQ_THREADS}u) { hsh[j] = S[base + j]; }
  workgroupBarrier();
  for (var j = lid.x; j < H; j += ${SEQ_THREADS}u) {
    var zi = W[u.offB + j];
    var zf = W[u.offB + H + j];
    var zg = W[u.offB + 2u * H + j];
    var zo = W[u.offB + 3u * H + j];
    for (var i = 0u; i < u.inDim; i++) {
      let xi = xsh[i];
      let w = u.offW + i * H4 + j;
      zi += xi * W[w];
      zf += xi * W[w + H];
      zg += xi * W[w + 2u * H];
      zo += xi * W[w + 3u * H];
    }
    for (var i = 0u; i < H; i++) {
      let hi = hsh[i];
      let w = u.offU + i * H4 + j;
      zi += hi * W[w];
      zf += hi * W[w + H];
      zg += hi * W[w + 2u * H];
      zo += hi * W[w + 3u * H];
    }
    let c = sigm(zf, u.hard) * S[base + H + j] + sigm(zi, u.hard) * tanh_s(zg);
    S[base + H + j] = c;
    S[base + j] = sigm(zo, u.hard) * tanh_s(c);
  }
}`;
