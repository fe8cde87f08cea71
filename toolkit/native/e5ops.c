/* e5ops.c - the two hot loops of the toolkit's query encoder (toolkit/e5query.py).
 *
 * Built on the user's machine by toolkit/native/__init__.py (cc -O3 -march=native -fopenmp), loaded
 * with ctypes. The output tiles of a matrix are shared among the OpenMP threads (one parallel region
 * per matrix); without OpenMP the pragmas are ignored and it runs on one thread.
 *
 *   linear(W, S, bias, X, Y, T, nout, nin, gelu)   Y[T,nout] = act(X[T,nin] . W^T + bias)
 *   add_layernorm(X, R, w, b, T, H, eps)           X = LayerNorm(X + R)   (R may be NULL)
 *
 * W holds the model's 4-bit weights widened to int8 (values -8..7, exact) and laid out in tiles of
 * TO output rows: W[nout/TO][nin][TO]; S holds one float scale per 32 inputs, S[nout/TO][nin/32][TO].
 * Each tile is widened to float once into a small buffer (L2-resident), then TT tokens at a time
 * are multiplied against it with 2 x TT vector accumulators. GCC/Clang vector extensions compile
 * to AVX-512, AVX2 or SSE, whatever -march allows.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef float v16 __attribute__((vector_size(64), aligned(64)));

#define TO 32 /* output rows per tile: two v16 */
#define TT 6  /* tokens per register block */

int e5ops_tile(void) { return TO; }

static inline float gelu(float v) {
    /* 0.5 v (1 + erf(v / sqrt 2)); erf by Abramowitz-Stegun 7.1.26, |error| < 1.5e-7 */
    float z = v * 0.70710678118654752440f, a = fabsf(z);
    float t = 1.f / (1.f + 0.3275911f * a);
    float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float e = 1.f - p * expf(-a * a);
    return 0.5f * v * (1.f + (z < 0.f ? -e : e));
}

/* Returns 0, or -1 when a buffer cannot be allocated or the shapes are not multiples of the tile. */
int linear(const int8_t *W, const float *S, const float *bias, const float *X, float *Y,
           int T, int nout, int nin, int act) {
    if (nout % TO || nin % 32 || T <= 0) return -1;
    int fail = 0;
#pragma omp parallel
    {
        float *wt = (float *)aligned_alloc(64, sizeof(float) * (size_t)nin * TO);
        float *xpad = (float *)calloc((size_t)TT * nin, sizeof(float));
        if (!wt || !xpad) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(static)
        for (int o0 = 0; o0 < nout; o0 += TO) {
            if (!wt || !xpad) continue;
            const int8_t *wq = W + (size_t)o0 * nin;
            const float *sc = S + (size_t)o0 * (nin / 32);
            for (int i = 0; i < nin; i++) {
                const int8_t *q = wq + (size_t)i * TO;
                const float *s = sc + (size_t)(i >> 5) * TO;
                float *w = wt + (size_t)i * TO;
                for (int j = 0; j < TO; j++) w[j] = (float)q[j] * s[j];
            }
            for (int t0 = 0; t0 < T; t0 += TT) {
                int nt = T - t0 < TT ? T - t0 : TT;
                const float *x = X + (size_t)t0 * nin;
                if (nt < TT) { /* last, partial block: zero-padded copy */
                    memset(xpad, 0, sizeof(float) * (size_t)TT * nin);
                    memcpy(xpad, x, sizeof(float) * (size_t)nt * nin);
                    x = xpad;
                }
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0};
                v16 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0};
                for (int i = 0; i < nin; i++) {
                    v16 w0 = *(const v16 *)(wt + (size_t)i * TO);
                    v16 w1 = *(const v16 *)(wt + (size_t)i * TO + 16);
                    float x0 = x[i], x1 = x[nin + i], x2 = x[2 * nin + i];
                    float x3 = x[3 * nin + i], x4 = x[4 * nin + i], x5 = x[5 * nin + i];
                    a0 += w0 * x0; b0 += w1 * x0; a1 += w0 * x1; b1 += w1 * x1;
                    a2 += w0 * x2; b2 += w1 * x2; a3 += w0 * x3; b3 += w1 * x3;
                    a4 += w0 * x4; b4 += w1 * x4; a5 += w0 * x5; b5 += w1 * x5;
                }
                v16 acc[TT][2] = {{a0, b0}, {a1, b1}, {a2, b2}, {a3, b3}, {a4, b4}, {a5, b5}};
                for (int tt = 0; tt < nt; tt++) {
                    float *y = Y + (size_t)(t0 + tt) * nout + o0;
                    const float *ac = (const float *)acc[tt];
                    if (act)
                        for (int j = 0; j < TO; j++) y[j] = gelu(ac[j] + bias[o0 + j]);
                    else
                        for (int j = 0; j < TO; j++) y[j] = ac[j] + bias[o0 + j];
                }
            }
        }
        free(wt);
        free(xpad);
    }
    return fail ? -1 : 0;
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
        for (int i = 0; i < H; i++) { float d = x[i] - mean; var += d * d; }
        var /= (float)H;
        float inv = 1.f / sqrtf(var + eps);
        for (int i = 0; i < H; i++) x[i] = (x[i] - mean) * inv * w[i] + b[i];
    }
}
