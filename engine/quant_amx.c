/* quant_amx.c - Q8_0 prefill on AMX tiles (quant_amx.h).
 *
 * One tile instruction (tdpbssd) multiplies a 16 x 16-byte tile A with a
 * 4 x 64-byte tile B into 16 x 16 int32 sums: A's rows are 16 codes of 16
 * weight rows, loaded straight from the Q8_0 blocks (a row stride apart),
 * and B is a 16-element block of a 16-row activation tile as quant_dot.h
 * lays it out (4-byte groups of the 16 rows), so sum (r, t) is the integer
 * dot of weight row r with activation row t over the block. The other
 * paths multiply unsigned codes u = w + 128; adding 128 * sum(q) makes the
 * sum their integer exactly. Each block's sums then step the row's
 * accumulators in quant_sum.h's order, with the scale and offset that
 * quant_dot.c's unpacking gives the block (d, and 0 - 128 d). */
#include "config.h"

#include "gguf.h"
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
    Q8_BYTES = 34,                                      /* f16 scale, 32 codes */
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

static const _Alignas(64) tile_config config = {
    .palette = 1,
    .colsb = {4 * TILE, 16, 4 * TILE, 4 * TILE},
    .rows = {AMX_ROWS, AMX_ROWS, 4, AMX_ROWS}};

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

/* The scales D and offsets M of 32-element block BLK of the AMX_ROWS rows
 * from ROW, RB bytes apart, as quant_dot.c's unpacking forms them. */
QUANT_AMX static inline void q8_scales(const uint8_t *row, size_t rb, int blk, float *d,
                                       float *m)
{
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m512i at = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)rb));
    __m512i g = _mm512_i32gather_epi32(at, row + (size_t)blk * Q8_BYTES, 1);
    __m512 dv = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(g));
    _mm512_storeu_ps(d, dv);
    _mm512_storeu_ps(m, _mm512_sub_ps(_mm512_setzero_ps(),
                                      _mm512_mul_ps(_mm512_set1_ps(128.0f), dv)));
}

/* Forms the sums of 16-element block B of activation tile C against the
 * AMX_ROWS rows in tile T (0 or 3), from START: every row 128 times the
 * activations' code sums. */
#define Q8_DOT(T, row, rb, a, c, b, start)                                               \
    do {                                                                                 \
        _tile_loadd(T, start, 0);                                                        \
        _tile_loadd(1, (row) + (size_t)((b) / 2) * Q8_BYTES + 2 + 16 * ((b) % 2), (long)(rb)); \
        _tile_loadd(2, quant_act_tile_q(a, c, 16 * (b)), 4 * TILE);                      \
        _tile_dpbssd(T, 1, 2);                                                           \
    } while (0)

/* 128 times the code sums of block B of activation tile C, into START. */
QUANT_AMX static inline void q8_start(const quant_act *a, int c, int b, int32_t *start)
{
    __m512i q = _mm512_loadu_si512(a->sum + quant_act_tile_ds(a, c, 16 * b));
    _mm512_store_si512(start, _mm512_slli_epi32(q, 7));
}

/* Block B's step of the rows' accumulators ACC from its SUMS. */
QUANT_AMX static inline void q8_step(const uint8_t *row, size_t rb, const quant_act *a, int c,
                                     int b, const int32_t (*sums)[TILE], v16f (*acc)[LANES],
                                     float *d, float *m)
{
    if (b % 2 == 0)
        q8_scales(row, rb, b / 2, d, m);
    size_t ds = quant_act_tile_ds(a, c, 16 * b);
    __m512 dx = _mm512_loadu_ps(a->d + ds), sx = _mm512_loadu_ps(a->s + ds);
    int p = b % LANES;
    for (int r = 0; r < AMX_ROWS; r++) {
        __m512 prev = b < LANES ? _mm512_setzero_ps() : (__m512)acc[r][p];
        __m512 inner = _mm512_fmadd_ps(_mm512_set1_ps(m[r]), sx, prev);
        __m512 s = _mm512_mul_ps(_mm512_set1_ps(d[r]), dx);
        __m512 i = _mm512_cvtepi32_ps(_mm512_load_si512(sums[r]));
        acc[r][p] = (v16f)_mm512_fmadd_ps(i, s, inner);
    }
}

/* Tile C of A against the AMX_ROWS rows: their results for its rows. The
 * blocks go through a pipeline of two tiles and two buffers, so that no
 * step waits for the tile unit: block b is multiplied while block b - 1's
 * sums are stored and block b - 2's stepped; the starting sums are written
 * two blocks ahead, as a tile load cannot take them from pending stores. */
QUANT_AMX static void q8_tile(const uint8_t *row, size_t rb, const quant_act *a, int c,
                              float *y, size_t ldy)
{
    v16f acc[AMX_ROWS][LANES];
    _Alignas(64) int32_t sums[2][AMX_ROWS][TILE], start[4][TILE];
    float d[AMX_ROWS], m[AMX_ROWS];
    int blocks = a->k / 16;
    for (int b = 0; b < 2 && b < blocks; b++)
        q8_start(a, c, b, start[b]);
    for (int b = 0; b < blocks + 2; b++) {
        if (b + 2 < blocks)
            q8_start(a, c, b + 2, start[(b + 2) % 4]);
        if (b < blocks && b % 2)
            Q8_DOT(3, row, rb, a, c, b, start[b % 4]);
        else if (b < blocks)
            Q8_DOT(0, row, rb, a, c, b, start[b % 4]);
        if (b >= 1 && b <= blocks && b % 2)
            _tile_stored(0, sums[0], 4 * TILE);
        else if (b >= 1 && b <= blocks)
            _tile_stored(3, sums[1], 4 * TILE);
        if (b >= 2)
            q8_step(row, rb, a, c, b - 2, sums[b % 2], acc, d, m);
    }
    /* a row shorter than a chunk leaves lanes that no step reached */
    for (int r = 0; r < AMX_ROWS; r++)
        for (int p = blocks; p < LANES; p++)
            acc[r][p] = (v16f){0};
    for (int r = 0; r < AMX_ROWS; r++) {
        v16f sum = QUANT_SUM_TREE(acc[r]);
        for (int t = c * TILE; t < a->n && t < (c + 1) * TILE; t++)
            y[(size_t)t * ldy + (size_t)r] = sum[t % TILE];
    }
}

QUANT_AMX static void q8_rows(const uint8_t *row, size_t rb, const quant_act *a, float *y,
                              size_t ldy)
{
    _tile_loadconfig(&config);
    for (int c = 0; c < (a->n + TILE - 1) / TILE; c++)
        q8_tile(row, rb, a, c, y, ldy);
    /* back to the initial state, which a context switch need not save */
    _tile_release();
}

bool quant_amx_rows(int type, const uint8_t *row, size_t row_bytes, const quant_act *a,
                    float *y, size_t ldy)
{
    if (type != GGML_TYPE_Q8_0)
        return false;
    q8_rows(row, row_bytes, a, y, ldy);
    return true;
}
#else
bool quant_amx_available(void)
{
    return false;
}

bool quant_amx_rows(int type, const uint8_t *row, size_t row_bytes, const quant_act *a,
                    float *y, size_t ldy)
{
    (void)type, (void)row, (void)row_bytes, (void)a, (void)y, (void)ldy;
    return false;
}
#endif
