/* Node-API bindings of the fused LSTM kernel. Node-API is ABI-stable: one build loads in Node and
 * in Electron alike. Arrays are passed as typed arrays and used in place, without copies. */
#include <math.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "lstm.h"
#include "pool.h"

static const kernel_ops *OPS;

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, NULL, "nib kernel: bad arguments");  \
      return NULL;                                               \
    }                                                            \
  } while (0)

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "nib kernel: too few arguments");
    return -1;
  }
  return 0;
}

static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *len) {
  napi_typedarray_type type;
  size_t n;
  void *data;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &n, &data, &buf, &off) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, want == napi_float32_array ? "nib kernel: expected a Float32Array" : "nib kernel: expected an Int32Array");
    return NULL;
  }
  if (len) *len = n;
  return data;
}

static int num_i(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}
static double num_d(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

static void finalize_model(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  lstm_free(data);
}

static lstm_model *get_model(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "nib kernel: expected a model handle");
    return NULL;
  }
  return p;
}

static napi_value make_double(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}

/* create(vocab, embedding, units: Int32Array, hardSigmoid) → handle */
static napi_value js_create(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (get_args(env, info, 4, a)) return NULL;
  size_t L;
  int32_t *units = typed(env, a[2], napi_int32_array, &L);
  if (!units) return NULL;
  bool hard = false;
  napi_get_value_bool(env, a[3], &hard);
  for (size_t i = 0; i < L; i++)
    if (units[i] < 1 || units[i] > 4096) {
      napi_throw_range_error(env, NULL, "nib kernel: units must be 1..4096");
      return NULL;
    }
  lstm_model *m = lstm_create(num_i(env, a[0]), num_i(env, a[1]), (int)L, units, hard, OPS);
  if (!m) {
    napi_throw_range_error(env, NULL, "nib kernel: unsupported model shape");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_external(env, m, finalize_model, NULL, &out));
  return out;
}

static int check_batch(napi_env env, lstm_model *m, size_t np, size_t nx, int B, int T) {
  if ((long)np != lstm_param_count(m)) {
    napi_throw_range_error(env, NULL, "nib kernel: parameter array has the wrong length");
    return -1;
  }
  if (B < 1 || T < 1 || (long)nx != (long)B * T) {
    napi_throw_range_error(env, NULL, "nib kernel: token array does not match batch × seqLen");
    return -1;
  }
  return 0;
}

/* trainStep(model, params, grads, x, y, B, T, dropout, seed) → loss (grads written) */
static napi_value js_train_step(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (get_args(env, info, 9, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  size_t np = 0, ng = 0, nx = 0, ny = 0;
  float *p = typed(env, a[1], napi_float32_array, &np), *g = typed(env, a[2], napi_float32_array, &ng);
  int32_t *x = typed(env, a[3], napi_int32_array, &nx), *y = typed(env, a[4], napi_int32_array, &ny);
  if (!m || !p || !g || !x || !y) return NULL;
  int B = num_i(env, a[5]), T = num_i(env, a[6]);
  if (check_batch(env, m, np, nx, B, T) || ng != np || ny != nx) return NULL;
  uint32_t seed = 0;
  napi_get_value_uint32(env, a[8], &seed);
  return make_double(env, lstm_train_step(m, p, g, x, y, B, T, (float)num_d(env, a[7]), seed));
}

/* evaluate(model, params, x, y, B, T) → loss */
static napi_value js_evaluate(napi_env env, napi_callback_info info) {
  napi_value a[6];
  if (get_args(env, info, 6, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  size_t np = 0, nx = 0, ny = 0;
  float *p = typed(env, a[1], napi_float32_array, &np);
  int32_t *x = typed(env, a[2], napi_int32_array, &nx), *y = typed(env, a[3], napi_int32_array, &ny);
  if (!m || !p || !x || !y) return NULL;
  int B = num_i(env, a[4]), T = num_i(env, a[5]);
  if (check_batch(env, m, np, nx, B, T) || ny != nx) return NULL;
  return make_double(env, lstm_evaluate(m, p, x, y, B, T));
}

/* logits(model, params, x, B, T, out) */
static napi_value js_logits(napi_env env, napi_callback_info info) {
  napi_value a[6];
  if (get_args(env, info, 6, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  size_t np = 0, nx = 0, no = 0;
  float *p = typed(env, a[1], napi_float32_array, &np);
  int32_t *x = typed(env, a[2], napi_int32_array, &nx);
  float *out = typed(env, a[5], napi_float32_array, &no);
  if (!m || !p || !x || !out) return NULL;
  int B = num_i(env, a[3]), T = num_i(env, a[4]);
  if (check_batch(env, m, np, nx, B, T)) return NULL;
  if (lstm_logits(m, p, x, B, T, out) != 0) napi_throw_error(env, NULL, "nib kernel: out of memory");
  return NULL;
}

/* adam(params, grads, m, v, lr, b1, b2, eps, t, clip) → gradient norm */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  napi_value a[10];
  if (get_args(env, info, 10, a)) return NULL;
  size_t n0 = 0, n1 = 0, n2 = 0, n3 = 0;
  float *p = typed(env, a[0], napi_float32_array, &n0), *g = typed(env, a[1], napi_float32_array, &n1);
  float *mo = typed(env, a[2], napi_float32_array, &n2), *ve = typed(env, a[3], napi_float32_array, &n3);
  if (!p || !g || !mo || !ve) return NULL;
  if (n0 != n1 || n0 != n2 || n0 != n3) {
    napi_throw_range_error(env, NULL, "nib kernel: adam arrays differ in length");
    return NULL;
  }
  double norm = lstm_adam(p, g, mo, ve, (long)n0, (float)num_d(env, a[4]), (float)num_d(env, a[5]), (float)num_d(env, a[6]), (float)num_d(env, a[7]), num_i(env, a[8]), (float)num_d(env, a[9]));
  return make_double(env, norm);
}

/* step(model, params, state, token, logitsOut|null) */
static napi_value js_step(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (get_args(env, info, 5, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  size_t np = 0, ns = 0;
  float *p = typed(env, a[1], napi_float32_array, &np), *st = typed(env, a[2], napi_float32_array, &ns);
  if (!m || !p || !st) return NULL;
  napi_valuetype t;
  napi_typeof(env, a[4], &t);
  float *lg = NULL;
  if (t != napi_null && t != napi_undefined && !(lg = typed(env, a[4], napi_float32_array, NULL))) return NULL;
  if ((long)np != lstm_param_count(m)) {
    napi_throw_range_error(env, NULL, "nib kernel: parameter array has the wrong length");
    return NULL;
  }
  lstm_infer_step(m, p, st, num_i(env, a[3]), lg);
  return NULL;
}

/* profile(model) → [{ phase, seconds }] since the last call (needs NIB_KERNEL_PROFILE=1) */
static napi_value js_profile(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  if (!m) return NULL;
  static const char *names[] = LSTM_PHASE_NAMES;
  double t[LSTM_PHASES];
  lstm_profile(m, t);
  napi_value arr;
  napi_create_array_with_length(env, LSTM_PHASES, &arr);
  for (int i = 0; i < LSTM_PHASES; i++) {
    napi_value o, name, sec;
    napi_create_object(env, &o);
    napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &name);
    napi_create_double(env, t[i], &sec);
    napi_set_named_property(env, o, "phase", name);
    napi_set_named_property(env, o, "seconds", sec);
    napi_set_element(env, arr, i, o);
  }
  return arr;
}

/* setThreads(n) → threads now running */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  napi_value r;
  napi_create_int32(env, pool_set_threads(num_i(env, a[0])), &r);
  return r;
}

/* setAdaptive(model, enabled): let training steps pick their thread count by measurement */
static napi_value js_set_adaptive(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  if (!m) return NULL;
  bool on = false;
  napi_get_value_bool(env, a[1], &on);
  lstm_set_adaptive(m, on);
  return NULL;
}

/* threadInfo(model) → { width, switches }: threads training steps use now, changes so far */
static napi_value js_thread_info(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  lstm_model *m = get_model(env, a[0]);
  if (!m) return NULL;
  int width = 0, switches = 0;
  lstm_thread_info(m, &width, &switches);
  napi_value o, w, s;
  napi_create_object(env, &o);
  napi_create_int32(env, width, &w);
  napi_create_int32(env, switches, &s);
  napi_set_named_property(env, o, "width", w);
  napi_set_named_property(env, o, "switches", s);
  return o;
}

/* info() → { isa, threads } */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, s, n;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, OPS->name, NAPI_AUTO_LENGTH, &s);
  napi_create_int32(env, pool_threads(), &n);
  napi_set_named_property(env, o, "isa", s);
  napi_set_named_property(env, o, "threads", n);
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  const char *force = getenv("NIB_KERNEL_ISA");
  OPS = kernels_select(force);
  if (!OPS) {
    napi_throw_error(env, NULL, "nib kernel: NIB_KERNEL_ISA names an instruction set this CPU lacks");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"create", 0, js_create, 0, 0, 0, napi_default, 0},
      {"trainStep", 0, js_train_step, 0, 0, 0, napi_default, 0},
      {"evaluate", 0, js_evaluate, 0, 0, 0, napi_default, 0},
      {"logits", 0, js_logits, 0, 0, 0, napi_default, 0},
      {"adam", 0, js_adam, 0, 0, 0, napi_default, 0},
      {"step", 0, js_step, 0, 0, 0, napi_default, 0},
      {"setThreads", 0, js_set_threads, 0, 0, 0, napi_default, 0},
      {"profile", 0, js_profile, 0, 0, 0, napi_default, 0},
      {"info", 0, js_info, 0, 0, 0, napi_default, 0},
      {"setAdaptive", 0, js_set_adaptive, 0, 0, 0, napi_default, 0},
      {"threadInfo", 0, js_thread_info, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
