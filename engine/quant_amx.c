/* quant_amx.c - prefill on AMX tiles (quant_amx.h).
 *
 * One tile instruction (tdpbusd; tdpbssd for Q8_0's signed bytes read in
 * place) multiplies a 16 x 16-byte (or 32-byte) tile A of unsigned bytes
 * with a 4 x 64-byte (or 8 x 64) tile B of signed ones into 16 x 16 int32
 * sums: A's rows are one step of quant_sum.h's
 * order (16 elements, or 32 for the types with a scale per 32) of the 16
 * weight rows' codes, and B the same elements of a 16-row activation tile
 * as quant_dot.h lays it out (4-byte groups of the 16 rows), so sum (r, t)
 * is the integer dot of weight row r with activation row t over the step -
 * what the VNNI paths form with vpdpbusd. Each step's sums then step the
 * rows' accumulators in quant_sum.h's order, with the scales and offsets
 * the rows were unpacked with (and the code offset taken out in integers
 * in the 32-element order). */
#include "config.h"

#include "quant_amx.h"
#include "quant_sum.h"

#ifdef QUANT_SUM_X86
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QUANT_AMX                                                                        \
    __attribute__((target("amx-tile,amx-int8,avx512f,avx512bw,avx512vl,avx512vnni,avx2," \
                          "fma,f16c")))

enum {
    TILE = QUANT_ACT_TILE,
    CHUNK = QUANT_SUM_CHUNK,
    LANES = QUANT_SUM_LANES,
    ARCH_REQ_XCOMP_PERM = 0x1023,
    XFEATURE_XTILEDATA = 18,
};

typedef float v16f __attribute__((vector_size(64)));

/* ldtilecfg's 64 bytes: palette 1; tiles 0 and 3 the sums (16 rows of 16
 * int32), 1 the weights (16 rows of 16 codes), 2 the activations (4 groups
 * of 16 rows by 4 codes). */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* configs[w16 - 1]: steps of 16 codes, or of 32 (quant_sum.h's two orders) */
static const _Alignas(64) tile_config configs[2] = {
    {.palette = 1,
     .colsb = {4 * TILE, 16, 4 * TILE, 4 * TILE},
     .rows = {AMX_ROWS, AMX_ROWS, 4, AMX_ROWS}},
    {.palette = 1,
     .colsb = {4 * TILE, 32, 4 * TILE, 4 * TILE},
     .rows = {AMX_ROWS, AMX_ROWS, 8, AMX_ROWS}},
};

static bool probe(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)) || !(d & (1u << 25)) ||
        !(b & bit_AVX512BW) || !(c & bit_AVX512VNNI))
        return false;
    uint32_t lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    /* the OS saves the AVX-512 state and the tile configuration and data */
    if ((lo & 0x600e6) != 0x600e6)
        return false;
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

bool quant_amx_available(void)
{
    static int state;       /* 0: not asked yet, 1: yes, 2: no */
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (!s) {
        s = probe() ? 1 : 2;
        __atomic_store_n(&state, s, __ATOMIC_RELEASE);
    }
    return s == 1;
}

/* Multiplies step S's codes of the rows with the same codes of activation
 * tile C into tile T (0 or 3): unsigned or signed weight codes. */
#define AMX_DOT(T, w, a, c, s)                                                  \
    do {                                                                        \
        _tile_zero(T);                                                          \
        _tile_loadd(1, (w)->u + (size_t)(s) * (w)->step, (long)(w)->us);        \
        _tile_loadd(2, quant_act_tile_q(a, c, 16 * (w)->w16 * (s)), 4 * TILE);  \
        if ((w)->s8)                                                            \
            _tile_dpbssd(T, 1, 2);                                              \
        else                                                                    \
            _tile_dpbusd(T, 1, 2);                                              \
    } while (0)

/* Step S's step of the rows' accumulators ACC from its SUMS, with its
 * scales W->d16 and offsets W->m16, and for 32-element blocks the code
 * offset taken out of the integers; a type without offsets leaves out
 * fma(0, sx, A), which is A. */
QUANT_AMX static inline void row_step(const amx_rows *w, const quant_act *a, int c, int st,
                                      const int32_t (*sums)[TILE], v16f (*acc)[LANES])
{
    int b = st * w->w16, lanes = LANES / w->w16, j = st % lanes;
    size_t ds = quant_act_tile_ds(a, c, 16 * b);
    __m512 dx = _mm512_loadu_ps(a->d + ds), sx = _mm512_loadu_ps(a->s + ds);
    __m512i start = _mm512_setzero_si512();
    if (w->w16 == 2) {
        __m512i qs = _mm512_add_epi32(_mm512_loadu_si512(a->sum + ds),
                                      _mm512_loadu_si512(a->sum + ds + TILE));
        start = _mm512_mullo_epi32(qs, _mm512_set1_epi32(-w->off));
        sx = _mm512_mul_ps(dx, _mm512_cvtepi32_ps(qs));
    }
    for (int r = 0; r < AMX_ROWS; r++) {
        size_t at = (size_t)r * w->ss + (size_t)b;
        __m512 inner = st < lanes ? _mm512_setzero_ps() : (__m512)acc[r][j];
        if (w->m16)
            inner = _mm512_fmadd_ps(_mm512_set1_ps(w->m16[at]), sx, inner);
        __m512 s = _mm512_mul_ps(_mm512_set1_ps(w->d16[at]), dx);
        __m512i i = _mm512_load_si512(sums[r]);
        if (w->off)
            i = _mm512_add_epi32(i, start);
        acc[r][j] = (v16f)_mm512_fmadd_ps(_mm512_cvtepi32_ps(i), s, inner);
    }
}

/* M[i][j] = M[j][i]: the results of 16 weight rows, a vector over the
 * tile's activation rows each, become 16 contiguous output rows. In 128-bit
 * lanes L: floats interleaved, then pairs, give b[4k + m] lane L = rows
 * 4k..4k+3 of activation row 4L + m; then the lanes are gathered in two
 * rounds of shuffles. */
QUANT_AMX static inline void transpose16(__m512 *m)
{
    __m512 a[16], b[16];
    for (int k = 0; k < 8; k++) {
        a[2 * k] = _mm512_unpacklo_ps(m[2 * k], m[2 * k + 1]);
        a[2 * k + 1] = _mm512_unpackhi_ps(m[2 * k], m[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {
        __m512d lo = _mm512_castps_pd(a[4 * k]), hi = _mm512_castps_pd(a[4 * k + 1]);
        __m512d lo2 = _mm512_castps_pd(a[4 * k + 2]), hi2 = _mm512_castps_pd(a[4 * k + 3]);
        b[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo, lo2));
        b[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo, lo2));
        b[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi, hi2));
        b[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi, hi2));
    }
    for (int i = 0; i < 4; i++) {
        __m512 c = _mm512_shuffle_f32x4(b[i], b[4 + i], _MM_SHUFFLE(2, 0, 2, 0));
        __m512 d = _mm512_shuffle_f32x4(b[i], b[4 + i], _MM_SHUFFLE(3, 1, 3, 1));
        __m512 e = _mm512_shuffle_f32x4(b[8 + i], b[12 + i], _MM_SHUFFLE(2, 0, 2, 0));
        __m512 f = _mm512_shuffle_f32x4(b[8 + i], b[12 + i], _MM_SHUFFLE(3, 1, 3, 1));
        m[i] = _mm512_shuffle_f32x4(c, e, _MM_SHUFFLE(2, 0, 2, 0));
        m[8 + i] = _mm512_shuffle_f32x4(c, e, _MM_SHUFFLE(3, 1, 3, 1));
        m[4 + i] = _mm512_shuffle_f32x4(d, f, _MM_SHUFFLE(2, 0, 2, 0));
        m[12 + i] = _mm512_shuffle_f32x4(d, f, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* Tile C of A against the rows: their results for its rows. The steps go
 * through a pipeline of two tiles and two buffers, so that none waits for
 * the tile unit: step s is multiplied while step s - 1's sums are stored
 * and step s - 2's added up. */
QUANT_AMX static void tile_rows(const amx_rows *w, const quant_act *a, int c, float *y,
                                size_t ldy)
{
    v16f acc[AMX_ROWS][LANES];
    _Alignas(64) int32_t sums[2][AMX_ROWS][TILE];
    int steps = a->k / 16 / w->w16;
    for (int s = 0; s < steps + 2; s++) {
        if (s < steps && s % 2)
            AMX_DOT(3, w, a, c, s);
        else if (s < steps)
            AMX_DOT(0, w, a, c, s);
        if (s >= 1 && s <= steps && s % 2)
            _tile_stored(0, sums[0], 4 * TILE);
        else if (s >= 1 && s <= steps)
            _tile_stored(3, sums[1], 4 * TILE);
        if (s >= 2)
            row_step(w, a, c, s - 2, sums[s % 2], acc);
    }
    /* lanes no step reached: past a row shorter than a chunk, and 8-15 of
     * the 32-element order */
    int used = steps < LANES / w->w16 ? steps : LANES / w->w16;
    for (int r = 0; r < AMX_ROWS; r++)
        for (int j = used; j < LANES; j++)
            acc[r][j] = (v16f){0};
    __m512 sum[AMX_ROWS];
    for (int r = 0; r < AMX_ROWS; r++)
        sum[r] = (__m512)QUANT_SUM_TREE(acc[r]);
    transpose16(sum);
    for (int t = c * TILE; t < a->n && t < (c + 1) * TILE; t++)
        _mm512_storeu_ps(y + (size_t)t * ldy, sum[t % TILE]);
}

QUANT_AMX void quant_amx_rows(const amx_rows *w, const quant_act *a, float *y, size_t ldy)
{
    _tile_loadconfig(&configs[w->w16 - 1]);
    for (int c = 0; c < (a->n + TILE - 1) / TILE; c++)
        tile_rows(w, a, c, y, ldy);
    /* back to the initial state, which a context switch need not save */
    _tile_release();
}
#else
bool quant_amx_available(void)
{
    return false;
}

void quant_amx_rows(const amx_rows *w, const quant_act *a, float *y, size_t ldy)
{
    (void)w, (void)a, (void)y, (void)ldy;
}
#endif
