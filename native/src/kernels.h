#ifndef NIB_KERNELS_H
#define NIB_KERNELS_H

/* Blocking of the packed GEMM: MC rows of A and KC of K stay in L2, KC×NC of B in L2/L3. */
#define GEMM_MC 96
#define GEMM_KC 256
#define GEMM_NC 512

typedef struct {
  const char *name;
  int mr, nr, vl;
  void (*gemm)(int M, int N, int K, const float *A, long rsA, long csA, const float *B, long rsB, long csB, float *C, long ldc, int beta, float *wsA, float *wsB);
  void (*gemm_pb)(int M, int N, int K, const float *A, long rsA, long csA, const float *Bp, float *C, long ldc, int beta, float *wsA);
  void (*pack_b)(int kc, int nc, const float *B, long rs, long cs, float *out);
  void (*cell_fwd)(int Bn, int H, int u0, int u1, float *g, const float *cprev, float *c, float *h, int hard);
  void (*cell_bwd)(int Bn, int H, int u0, int u1, float *g, const float *cprev, const float *c, const float *dh_out, const float *dh_rec, float *dc, int hard);
  void (*matvec_acc)(int n_in, int n_out, const float *x, const float *W, float *out);
} kernel_ops;

/* The fastest implementation this CPU runs; `force` ("avx512", "avx2", "base") for tests. */
const kernel_ops *kernels_select(const char *force);

#endif
