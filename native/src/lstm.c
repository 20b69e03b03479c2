/*
 * The fused char-LSTM: forward, backpropagation through time, softmax cross-entropy and Adam for
 * a whole batch in one call, on all threads of the pool. Sequences are stored time-major
 * ([T][B][·]) so each time step's rows are contiguous; the recurrent products use weights packed
 * once per batch, and each thread owns a slice of hidden units so a time step needs one barrier.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lstm.h"
#include "pool.h"

#define MAXT 64

/*
 * Adaptive thread count. Threads meet once per time step, so a thread preempted by another busy
 * process stalls the rest: on a 2-core laptop with a browser busy, two threads can train slower
 * than one. Training steps are timed; every `interval` steps a few steps run at another candidate
 * width (all threads, half, one), for at least three steps and 30 ms, and the faster per character
 * is kept, with 5% hysteresis. The
 * interval doubles (up to 400 steps) while the choice holds, and is at least 20 times the probe's
 * duration, so probing costs a few percent at most once one width is clearly best; it comes back
 * to 25 steps when the best width changes.
 */
#define ADAPT_MAX_CAND 3
#define ADAPT_MIN_INTERVAL 25
#define ADAPT_MAX_INTERVAL 400
typedef struct {
  int want, enabled, ncand, cand[ADAPT_MAX_CAND], cur, turn;
  double per_char[ADAPT_MAX_CAND]; /* seconds per character, smoothed; 0 = not measured yet */
  int interval, until_probe, skip;
  int probe, probe_steps; /* candidate being probed (-1 = none), steps measured in the probe */
  double probe_t, cur_t;  /* seconds and characters measured in the probe / since the last probe */
  long probe_c, cur_c;
  int switches;
} adapt_state;

static void adapt_reset(adapt_state *a, int threads, int want);

struct lstm_model {
  const kernel_ops *ops;
  int V, E, L, hard;
  int H[LSTM_MAX_LAYERS], IN[LSTM_MAX_LAYERS];
  long off_emb, off_W[LSTM_MAX_LAYERS], off_U[LSTM_MAX_LAYERS], off_b[LSTM_MAX_LAYERS], off_Wd, off_bd, nparams;
  int maxH, maxIn;
  /* workspace, sized for cap_R = T*B rows */
  long cap_R;
  int cap_B;
  int cap_drop, cap_threads;
  float *X0, *P, *dA, *dBuf;
  float *G[LSTM_MAX_LAYERS], *C[LSTM_MAX_LAYERS], *Hs[LSTM_MAX_LAYERS], *mask[LSTM_MAX_LAYERS];
  int32_t *xt, *yt;
  float *wsA[MAXT], *wsB[MAXT], *pk[MAXT], *dhrec[MAXT], *dc[MAXT];
  double part[MAXT];
  /* NIB_KERNEL_PROFILE=1: seconds per phase, measured on thread 0 after each phase's barrier */
  int profile;
  double prof[LSTM_PHASES], t_last;
  adapt_state adapt;
};

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define MARK(m, tid, phase)                  \
  do {                                       \
    if ((tid) == 0 && (m)->profile) {        \
      double t_ = now_sec();                 \
      (m)->prof[phase] += t_ - (m)->t_last;  \
      (m)->t_last = t_;                      \
    }                                        \
  } while (0)

static void *falloc(long n) {
  size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) & ~(size_t)63;
  return aligned_alloc(64, bytes);
}

lstm_model *lstm_create(int V, int E, int L, const int *units, int hard, const kernel_ops *ops) {
  if (L < 1 || L > LSTM_MAX_LAYERS || V < 1 || E < 1) return NULL;
  lstm_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->ops = ops;
  m->profile = getenv("NIB_KERNEL_PROFILE") && *getenv("NIB_KERNEL_PROFILE") && strcmp(getenv("NIB_KERNEL_PROFILE"), "0");
  m->V = V;
  m->E = E;
  m->L = L;
  m->hard = hard;
  long off = 0;
  m->off_emb = off;
  off += (long)V * E;
  int in = E;
  m->maxIn = E;
  for (int l = 0; l < L; l++) {
    int H = units[l];
    m->H[l] = H;
    m->IN[l] = in;
    m->off_W[l] = off;
    off += (long)in * 4 * H;
    m->off_U[l] = off;
    off += (long)H * 4 * H;
    m->off_b[l] = off;
    off += 4L * H;
    if (H > m->maxH) m->maxH = H;
    if (in > m->maxIn) m->maxIn = in;
    in = H;
  }
  m->off_Wd = off;
  off += (long)in * V;
  m->off_bd = off;
  off += V;
  m->nparams = off;
  adapt_reset(&m->adapt, pool_threads(), 1);
  return m;
}

static void free_ws(lstm_model *m) {
  free(m->X0);
  free(m->P);
  free(m->dA);
  free(m->dBuf);
  free(m->xt);
  free(m->yt);
  for (int l = 0; l < LSTM_MAX_LAYERS; l++) {
    free(m->G[l]);
    free(m->C[l]);
    free(m->Hs[l]);
    free(m->mask[l]);
    m->G[l] = m->C[l] = m->Hs[l] = m->mask[l] = NULL;
  }
  for (int t = 0; t < MAXT; t++) {
    free(m->wsA[t]);
    free(m->wsB[t]);
    free(m->pk[t]);
    free(m->dhrec[t]);
    free(m->dc[t]);
    m->wsA[t] = m->wsB[t] = m->pk[t] = m->dhrec[t] = m->dc[t] = NULL;
  }
  m->X0 = m->P = m->dA = m->dBuf = NULL;
  m->xt = m->yt = NULL;
  m->cap_R = 0;
}

void lstm_free(lstm_model *m) {
  if (!m) return;
  free_ws(m);
  free(m);
}

long lstm_param_count(const lstm_model *m) { return m->nparams; }

static int ensure_ws(lstm_model *m, int B, int T, int drop) {
  long R = (long)B * T;
  int nt = pool_threads();
  if (R <= m->cap_R && B <= m->cap_B && (!drop || m->cap_drop) && nt <= m->cap_threads) return 0;
  free_ws(m);
  long cap = R;
  int maxD = m->maxH > m->maxIn ? m->maxH : m->maxIn;
  m->X0 = falloc(cap * m->E);
  m->P = falloc(cap * m->V);
  m->dA = falloc(cap * maxD);
  m->dBuf = falloc(cap * maxD);
  m->xt = malloc(sizeof(int32_t) * cap);
  m->yt = malloc(sizeof(int32_t) * cap);
  int ok = m->X0 && m->P && m->dA && m->dBuf && m->xt && m->yt;
  for (int l = 0; l < m->L && ok; l++) {
    int H = m->H[l];
    m->G[l] = falloc(cap * 4 * H);
    m->C[l] = falloc(cap * H);
    m->Hs[l] = falloc(cap * H);
    ok = m->G[l] && m->C[l] && m->Hs[l];
    if (ok && drop) {
      m->mask[l] = falloc(cap * H);
      ok = m->mask[l] != NULL;
    }
  }
  int nr = m->ops->nr;
  int spad = ((m->maxH + nr - 1) / nr) * nr;
  long kmax = 4L * m->maxH > GEMM_KC ? 4L * m->maxH : GEMM_KC;
  if (m->maxIn > kmax) kmax = m->maxIn;
  for (int t = 0; t < nt && ok; t++) {
    m->wsA[t] = falloc((long)GEMM_MC * kmax + 64);
    m->wsB[t] = falloc((long)GEMM_KC * (GEMM_NC + nr) + 64);
    m->pk[t] = falloc(4L * m->maxH * spad + 64);
    m->dhrec[t] = falloc((long)B * m->maxH + 16);
    m->dc[t] = falloc((long)B * m->maxH + 16);
    ok = m->wsA[t] && m->wsB[t] && m->pk[t] && m->dhrec[t] && m->dc[t];
  }
  if (!ok) {
    free_ws(m);
    return -1;
  }
  m->cap_R = cap;
  m->cap_B = B;
  m->cap_drop = drop;
  m->cap_threads = nt;
  return 0;
}

/* [lo, hi) of n split among nt threads in multiples of `align`. */
static void split(int n, int tid, int nt, int align, int *lo, int *hi) {
  int chunk = (n + nt - 1) / nt;
  chunk = ((chunk + align - 1) / align) * align;
  long a = (long)chunk * tid, b = a + chunk;
  *lo = a < n ? (int)a : n;
  *hi = b < n ? (int)b : n;
}

static inline float hash_uniform(uint32_t seed, uint32_t layer, uint32_t idx) {
  uint32_t x = seed ^ (layer * 0x9E3779B9u) ^ (idx * 0x85EBCA6Bu);
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return (x >> 8) * (1.0f / 16777216.0f);
}

enum { MODE_TRAIN, MODE_EVAL, MODE_LOGITS };

typedef struct {
  lstm_model *m;
  const float *p;
  float *g;
  const int32_t *x, *y;
  int B, T, mode;
  float drop;
  uint32_t seed;
  float *logits_out;
} step_ctx;

static void forward(step_ctx *s, int tid, int nt) {
  lstm_model *m = s->m;
  const kernel_ops *ops = m->ops;
  const float *p = s->p;
  int B = s->B, T = s->T;
  long R = (long)B * T;
  int r0, r1;
  split((int)R, tid, nt, ops->mr, &r0, &r1);
  for (long r = r0; r < r1; r++) {
    long b = r % B, t = r / B;
    int32_t tok = s->x[b * T + t];
    m->xt[r] = tok;
    if (s->y) m->yt[r] = s->y[b * T + t];
    memcpy(m->X0 + r * m->E, p + m->off_emb + (long)tok * m->E, sizeof(float) * m->E);
  }
  pool_barrier();
  MARK(m, tid, PH_INPUT);
  const float *Xin = m->X0;
  for (int l = 0; l < m->L; l++) {
    int H = m->H[l], in = m->IN[l], G4 = 4 * H;
    float *G = m->G[l], *C = m->C[l], *Hs = m->Hs[l];
    const float *W = p + m->off_W[l], *U = p + m->off_U[l], *bias = p + m->off_b[l];
    for (long r = r0; r < r1; r++) memcpy(G + r * G4, bias, sizeof(float) * G4);
    ops->gemm(r1 - r0, G4, in, Xin + (long)r0 * in, in, 1, W, G4, 1, G + (long)r0 * G4, G4, 1, m->wsA[tid], m->wsB[tid]);
    int u0, u1;
    split(H, tid, nt, ops->nr, &u0, &u1);
    int S = u1 - u0, spad = ((S + ops->nr - 1) / ops->nr) * ops->nr;
    float *Upk = m->pk[tid];
    if (S > 0)
      for (int q = 0; q < 4; q++) ops->pack_b(H, S, U + q * H + u0, G4, 1, Upk + (long)q * H * spad);
    pool_barrier();
    MARK(m, tid, PH_INPUT);
    for (int t = 0; t < T; t++) {
      float *Gt = G + (long)t * B * G4;
      if (S > 0) {
        if (t > 0)
          for (int q = 0; q < 4; q++)
            ops->gemm_pb(B, S, H, Hs + (long)(t - 1) * B * H, H, 1, Upk + (long)q * H * spad, Gt + q * H + u0, G4, 1, m->wsA[tid]);
        ops->cell_fwd(B, H, u0, u1, Gt, t > 0 ? C + (long)(t - 1) * B * H : NULL, C + (long)t * B * H, Hs + (long)t * B * H, m->hard);
      }
      pool_barrier();
    }
    MARK(m, tid, PH_REC_FWD);
    Xin = Hs;
    if (s->mode == MODE_TRAIN && s->drop > 0) {
      /* Dropout between layers: the next reader (next layer or dense) uses a masked copy in dBuf.
       * Each thread masks the rows it will itself read next, so no barrier is needed here. */
      float keep = 1.0f - s->drop, inv = 1.0f / keep;
      float *mk = m->mask[l];
      for (long i = (long)r0 * H; i < (long)r1 * H; i++) {
        mk[i] = hash_uniform(s->seed, (uint32_t)l, (uint32_t)i) < keep ? inv : 0.f;
        m->dBuf[i] = Hs[i] * mk[i];
      }
      Xin = m->dBuf;
    }
  }
}

static void step_task(void *ctx, int tid, int nt) {
  step_ctx *s = ctx;
  lstm_model *m = s->m;
  const kernel_ops *ops = m->ops;
  const float *p = s->p;
  int B = s->B, T = s->T, V = m->V, L = m->L;
  long R = (long)B * T;
  int r0, r1;
  split((int)R, tid, nt, ops->mr, &r0, &r1);
  int dropping = s->mode == MODE_TRAIN && s->drop > 0;

  forward(s, tid, nt);

  /* Dense + softmax cross-entropy over this thread's rows. */
  int Hl = m->H[L - 1];
  const float *Htop = dropping ? m->dBuf : m->Hs[L - 1];
  float *P = m->P;
  const float *Wd = p + m->off_Wd, *bd = p + m->off_bd;
  for (long r = r0; r < r1; r++) memcpy(P + r * V, bd, sizeof(float) * V);
  ops->gemm(r1 - r0, V, Hl, Htop + (long)r0 * Hl, Hl, 1, Wd, V, 1, P + (long)r0 * V, V, 1, m->wsA[tid], m->wsB[tid]);
  double loss = 0;
  for (long r = r0; r < r1; r++) {
    float *row = P + r * V;
    if (s->mode == MODE_LOGITS) {
      long b = r % B, t = r / B;
      memcpy(s->logits_out + (b * T + t) * V, row, sizeof(float) * V);
      continue;
    }
    float mx = row[0];
    for (int v = 1; v < V; v++) mx = row[v] > mx ? row[v] : mx;
    double sum = 0;
    for (int v = 0; v < V; v++) sum += (row[v] = expf(row[v] - mx));
    int y = m->yt[r];
    loss += -(log(row[y]) - log(sum));
    if (s->mode == MODE_TRAIN) {
      float inv = (float)(1.0 / sum), scale = 1.0f / (float)R;
      for (int v = 0; v < V; v++) row[v] = row[v] * inv * scale;
      row[y] -= scale;
    }
  }
  m->part[tid] = loss;
  if (s->mode != MODE_TRAIN) return;
  pool_barrier();
  MARK(m, tid, PH_DENSE);

  /* Dense backward. */
  float *g = s->g;
  int h0, h1, v0, v1;
  split(Hl, tid, nt, ops->mr, &h0, &h1);
  ops->gemm(h1 - h0, V, (int)R, Htop + h0, 1, Hl, P, V, 1, g + m->off_Wd + (long)h0 * V, V, 0, m->wsA[tid], m->wsB[tid]);
  split(V, tid, nt, 1, &v0, &v1);
  for (int v = v0; v < v1; v++) {
    double acc = 0;
    for (long r = 0; r < R; r++) acc += P[r * V + v];
    g[m->off_bd + v] = (float)acc;
  }
  float *dcur = m->dA, *dnext = m->dBuf; /* dBuf held the masked top output until dWd is done */
  ops->gemm(r1 - r0, Hl, V, P + (long)r0 * V, V, 1, Wd, 1, V, dcur + (long)r0 * Hl, Hl, 0, m->wsA[tid], m->wsB[tid]);
  pool_barrier();
  MARK(m, tid, PH_DENSE);

  for (int l = L - 1; l >= 0; l--) {
    int H = m->H[l], in = m->IN[l], G4 = 4 * H;
    float *G = m->G[l], *C = m->C[l], *Hs = m->Hs[l];
    const float *W = p + m->off_W[l], *U = p + m->off_U[l];
    if (dropping) {
      for (long i = (long)r0 * H; i < (long)r1 * H; i++) dcur[i] *= m->mask[l][i];
    }
    int u0, u1;
    split(H, tid, nt, ops->nr, &u0, &u1);
    int S = u1 - u0;
    float *UTpk = m->pk[tid], *dhrec = m->dhrec[tid], *dc = m->dc[tid];
    if (S > 0) {
      ops->pack_b(G4, S, U + (long)u0 * G4, 1, G4, UTpk);
      memset(dc, 0, sizeof(float) * B * S);
    }
    pool_barrier();
    for (int t = T - 1; t >= 0; t--) {
      float *Gt = G + (long)t * B * G4;
      if (S > 0)
        ops->cell_bwd(B, H, u0, u1, Gt, t > 0 ? C + (long)(t - 1) * B * H : NULL, C + (long)t * B * H, dcur + (long)t * B * H, t < T - 1 ? dhrec : NULL, dc, m->hard);
      pool_barrier();
      if (S > 0 && t > 0) ops->gemm_pb(B, S, G4, Gt, G4, 1, UTpk, dhrec, S, 0, m->wsA[tid]);
    }
    MARK(m, tid, PH_REC_BWD);
    /* Weight gradients over all time steps at once. */
    const float *Xin = l == 0 ? m->X0 : m->Hs[l - 1];
    if (dropping && l > 0) {
      /* the layer read masked inputs: rebuild them (into the free buffer) for dW */
      for (long i = (long)r0 * in; i < (long)r1 * in; i++) dnext[i] = m->Hs[l - 1][i] * m->mask[l - 1][i];
      pool_barrier();
      Xin = dnext;
    }
    int c0, c1;
    split(G4, tid, nt, ops->nr, &c0, &c1);
    ops->gemm(in, c1 - c0, (int)R, Xin, 1, in, G + c0, G4, 1, g + m->off_W[l] + c0, G4, 0, m->wsA[tid], m->wsB[tid]);
    ops->gemm(H, c1 - c0, (int)(R - B), Hs, 1, H, G + (long)B * G4 + c0, G4, 1, g + m->off_U[l] + c0, G4, 0, m->wsA[tid], m->wsB[tid]);
    for (int c = c0; c < c1; c++) {
      double acc = 0;
      for (long r = 0; r < R; r++) acc += G[r * G4 + c];
      g[m->off_b[l] + c] = (float)acc;
    }
    pool_barrier();
    ops->gemm(r1 - r0, in, G4, G + (long)r0 * G4, G4, 1, W, 1, G4, dnext + (long)r0 * in, in, 0, m->wsA[tid], m->wsB[tid]);
    pool_barrier();
    MARK(m, tid, PH_WGRAD);
    float *tmp = dcur;
    dcur = dnext;
    dnext = tmp;
  }
  /* Embedding gradient: scatter-add rows, each thread owning a slice of embedding columns. */
  int e0, e1;
  split(m->E, tid, nt, 1, &e0, &e1);
  float *gE = g + m->off_emb;
  for (long v = 0; v < V; v++) memset(gE + v * m->E + e0, 0, sizeof(float) * (e1 - e0));
  for (long r = 0; r < R; r++) {
    const float *src = dcur + r * m->E;
    float *dst = gE + (long)m->xt[r] * m->E;
    for (int e = e0; e < e1; e++) dst[e] += src[e];
  }
}

static void adapt_reset(adapt_state *a, int threads, int want) {
  memset(a, 0, sizeof *a);
  a->want = want;
  a->enabled = want && threads > 1;
  a->cand[a->ncand++] = threads;
  if (threads / 2 > 1) a->cand[a->ncand++] = threads / 2;
  a->cand[a->ncand++] = 1;
  a->interval = ADAPT_MIN_INTERVAL;
  a->until_probe = 8; /* the first look at the alternatives comes early */
  a->probe = -1;
}

/* The width for the next training step. */
static int adapt_width(lstm_model *m) {
  adapt_state *a = &m->adapt;
  if (a->cand[0] != pool_threads()) adapt_reset(a, pool_threads(), a->want);
  if (!a->enabled) return pool_threads();
  return a->cand[a->probe >= 0 ? a->probe : a->cur];
}

static void adapt_record(lstm_model *m, double seconds, long chars) {
  adapt_state *a = &m->adapt;
  if (!a->enabled || chars <= 0) return;
  /* The first step after a change of width pays for waking threads: it is not measured. */
  if (a->skip) {
    a->skip = 0;
    if (a->probe < 0) a->until_probe--;
    return;
  }
  if (a->probe >= 0) {
    a->probe_t += seconds;
    a->probe_c += chars;
    a->probe_steps++;
    /* At least 3 measured steps and 30 ms, so one preemption does not decide. */
    if (a->probe_steps < 3 || (a->probe_t < 0.03 && a->probe_steps < 50)) return;
    double measured = a->probe_t / (double)a->probe_c;
    double current = a->cur_c > 0 ? a->cur_t / (double)a->cur_c : measured * 2;
    a->per_char[a->probe] = measured;
    int better = measured < current * 0.95;
    if (better) {
      a->cur = a->probe;
      a->switches++;
    }
    a->interval = better ? ADAPT_MIN_INTERVAL : (a->interval * 2 < ADAPT_MAX_INTERVAL ? a->interval * 2 : ADAPT_MAX_INTERVAL);
    a->until_probe = a->interval;
    /* Keep probing under 5% of the time even where a probe is long next to a step (tiny models). */
    double step_sec = (better ? measured : current) * (double)chars;
    if (step_sec > 0 && 20 * a->probe_t / step_sec > a->until_probe) a->until_probe = (int)(20 * a->probe_t / step_sec) + 1;
    a->probe = -1;
    a->cur_t = 0;
    a->cur_c = 0;
    a->skip = 1;
    return;
  }
  a->cur_t += seconds;
  a->cur_c += chars;
  if (--a->until_probe > 0) return;
  /* Probe the candidates other than the current one in turn, never-measured ones first. */
  int pick = -1;
  for (int i = 0; i < a->ncand && pick < 0; i++)
    if (i != a->cur && a->per_char[i] == 0) pick = i;
  if (pick < 0) {
    a->turn = (a->turn + 1) % a->ncand;
    if (a->turn == a->cur) a->turn = (a->turn + 1) % a->ncand;
    pick = a->turn;
  }
  a->probe = pick;
  a->probe_t = 0;
  a->probe_c = 0;
  a->probe_steps = 0;
  a->skip = 1;
}

void lstm_set_adaptive(lstm_model *m, int enabled) { adapt_reset(&m->adapt, pool_threads(), enabled); }

void lstm_thread_info(lstm_model *m, int *width, int *switches) {
  adapt_state *a = &m->adapt;
  if (a->cand[0] != pool_threads()) adapt_reset(a, pool_threads(), a->want);
  *width = a->enabled ? a->cand[a->cur] : pool_threads();
  *switches = a->switches;
}

static double run(lstm_model *m, step_ctx *s) {
  int drop = s->mode == MODE_TRAIN && s->drop > 0;
  if (ensure_ws(m, s->B, s->T, drop) != 0) return NAN;
  /* adapt_width also notices a changed thread count; pool_set_active clamps, and the loss below
   * adds up exactly the threads that ran. */
  int width = adapt_width(m);
  if (s->mode != MODE_TRAIN && m->adapt.probe >= 0) width = m->adapt.cand[m->adapt.cur];
  width = pool_set_active(width);
  double t0 = now_sec();
  if (m->profile) m->t_last = t0;
  pool_run(step_task, s);
  double t1 = now_sec();
  if (m->profile && s->mode == MODE_TRAIN) m->prof[PH_EMB_GRAD] += t1 - m->t_last;
  if (s->mode == MODE_TRAIN) adapt_record(m, t1 - t0, (long)s->B * s->T);
  double total = 0;
  for (int t = 0; t < width; t++) total += m->part[t];
  return total / ((double)s->B * s->T);
}

double lstm_train_step(lstm_model *m, const float *params, float *grads, const int32_t *x, const int32_t *y, int B, int T, float dropout, uint32_t seed) {
  step_ctx s = {m, params, grads, x, y, B, T, MODE_TRAIN, dropout, seed, NULL};
  return run(m, &s);
}

double lstm_evaluate(lstm_model *m, const float *params, const int32_t *x, const int32_t *y, int B, int T) {
  step_ctx s = {m, params, NULL, x, y, B, T, MODE_EVAL, 0, 0, NULL};
  return run(m, &s);
}

int lstm_logits(lstm_model *m, const float *params, const int32_t *x, int B, int T, float *out) {
  step_ctx s = {m, params, NULL, x, NULL, B, T, MODE_LOGITS, 0, 0, out};
  return isnan(run(m, &s)) ? -1 : 0;
}

typedef struct {
  float *p;
  const float *g;
  float *m, *v;
  long n;
  float lr, b1, b2, eps, clip, c1, c2;
  double part[MAXT];
  double norm;
} adam_ctx;

static void adam_task(void *ctx, int tid, int nt) {
  adam_ctx *a = ctx;
  long chunk = (a->n + nt - 1) / nt, i0 = chunk * tid, i1 = i0 + chunk < a->n ? i0 + chunk : a->n;
  double ss = 0;
  for (long i = i0; i < i1; i++) ss += (double)a->g[i] * a->g[i];
  a->part[tid] = ss;
  pool_barrier();
  double total = 0;
  for (int t = 0; t < nt; t++) total += a->part[t];
  double norm = sqrt(total);
  if (tid == 0) a->norm = norm;
  double ratio = a->clip / (norm + 1e-6);
  float scale = ratio < 1.0 ? (float)ratio : 1.0f;
  float lr1 = a->lr / a->c1, ic2 = 1.0f / a->c2;
  for (long i = i0; i < i1; i++) {
    float gi = a->g[i] * scale;
    float mi = a->b1 * a->m[i] + (1 - a->b1) * gi;
    float vi = a->b2 * a->v[i] + (1 - a->b2) * gi * gi;
    a->m[i] = mi;
    a->v[i] = vi;
    a->p[i] -= mi * lr1 / (sqrtf(vi * ic2) + a->eps);
  }
}

double lstm_adam(float *params, const float *grads, float *mom, float *vel, long n, float lr, float b1, float b2, float eps, int t, float clip) {
  adam_ctx a = {params, grads, mom, vel, n, lr, b1, b2, eps, clip, (float)(1 - pow(b1, t)), (float)(1 - pow(b2, t)), {0}, 0};
  pool_run(adam_task, &a);
  return a.norm;
}

void lstm_profile(lstm_model *m, double *out) {
  for (int i = 0; i < LSTM_PHASES; i++) {
    out[i] = m->prof[i];
    m->prof[i] = 0;
  }
}

void lstm_infer_step(lstm_model *m, const float *params, float *state, int token, float *logits) {
  const kernel_ops *ops = m->ops;
  float z[4 * 4096];
  const float *x = params + m->off_emb + (long)token * m->E;
  float *st = state;
  for (int l = 0; l < m->L; l++) {
    int H = m->H[l], in = m->IN[l];
    float *h = st, *c = st + H;
    memcpy(z, params + m->off_b[l], sizeof(float) * 4 * H);
    ops->matvec_acc(in, 4 * H, x, params + m->off_W[l], z);
    ops->matvec_acc(H, 4 * H, h, params + m->off_U[l], z);
    ops->cell_fwd(1, H, 0, H, z, c, c, h, m->hard);
    x = h;
    st += 2 * H;
  }
  if (logits) {
    memcpy(logits, params + m->off_bd, sizeof(float) * m->V);
    ops->matvec_acc(m->H[m->L - 1], m->V, x, params + m->off_Wd, logits);
  }
}
