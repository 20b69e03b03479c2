/* Builds the compute kernels once per instruction set and picks one at run time, so a single
 * binary runs on any x86-64 CPU (and any other CPU through the baseline build). */
#include <string.h>
#include "kernels.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NIB_X86 1

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#endif
#define SFX avx512
#define VL 16
#define MR 12
#include "kernels.inc"
#undef SFX
#undef VL
#undef MR
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define SFX avx2
#define VL 8
#define MR 6
#include "kernels.inc"
#undef SFX
#undef VL
#undef MR
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#define SFX base
#define VL 4
#define MR 4
#include "kernels.inc"
#undef SFX
#undef VL
#undef MR

const kernel_ops *kernels_select(const char *force) {
#ifdef NIB_X86
  __builtin_cpu_init();
  int has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (force && *force) {
    if (!strcmp(force, "avx512")) return has512 ? &ops_avx512 : NULL;
    if (!strcmp(force, "avx2")) return has2 ? &ops_avx2 : NULL;
    if (!strcmp(force, "base")) return &ops_base;
    return NULL;
  }
  if (has512) return &ops_avx512;
  if (has2) return &ops_avx2;
#else
  if (force && *force && strcmp(force, "base")) return NULL;
#endif
  return &ops_base;
}
