#ifndef NIB_LSTM_H
#define NIB_LSTM_H
#include <stdint.h>
#include "kernels.h"

#define LSTM_MAX_LAYERS 8

/* Phases of a training step, for NIB_KERNEL_PROFILE. */
enum { PH_INPUT, PH_REC_FWD, PH_DENSE, PH_REC_BWD, PH_WGRAD, PH_EMB_GRAD, LSTM_PHASES };
#define LSTM_PHASE_NAMES {"embedding + input projections X·W + packing", "recurrence forward (h·U + gates)", "dense + softmax, forward and backward", "recurrence backward (gates + dZ·Uᵀ)", "weight gradients Xᵀ·dZ, Hᵀ·dZ, bias, dZ·Wᵀ", "embedding gradient"}

typedef struct lstm_model lstm_model;

/* A char-LSTM: Embedding(V,E) → LSTM(units[0]) → … → Dense(V). Parameters live outside, in one
 * float array in tfjs-layers order and layout (gate blocks i, f, c, o). */
lstm_model *lstm_create(int V, int E, int L, const int *units, int hard, const kernel_ops *ops);
void lstm_free(lstm_model *m);
long lstm_param_count(const lstm_model *m);

/* Forward and backward over a batch (x, y: batch-major [B*T] token ids); writes every gradient
 * into `grads` (same layout as params) and returns the mean cross-entropy. Returns NaN if out of
 * memory. */
double lstm_train_step(lstm_model *m, const float *params, float *grads, const int32_t *x, const int32_t *y, int B, int T, float dropout, uint32_t seed);
/* Mean cross-entropy without gradients or dropout. */
double lstm_evaluate(lstm_model *m, const float *params, const int32_t *x, const int32_t *y, int B, int T);
/* Logits for every position, batch-major [B*T, V]. Returns 0 on success. */
int lstm_logits(lstm_model *m, const float *params, const int32_t *x, int B, int T, float *out);
/* Adam with global-norm clipping, in place; returns the gradient norm before clipping. */
double lstm_adam(float *params, const float *grads, float *mom, float *vel, long n, float lr, float b1, float b2, float eps, int t, float clip);
/* Seconds spent per phase since the last call (NIB_KERNEL_PROFILE=1), then reset. */
void lstm_profile(lstm_model *m, double *out);
/* Adaptive thread count for training steps (on by default; see lstm.c). */
void lstm_set_adaptive(lstm_model *m, int enabled);
/* The width training steps use now, and how often it has changed. */
void lstm_thread_info(lstm_model *m, int *width, int *switches);
/* One inference step: state holds h then c of every layer; logits (V floats) may be NULL. */
void lstm_infer_step(lstm_model *m, const float *params, float *state, int token, float *logits);

#endif
