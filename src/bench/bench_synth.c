/* bench_synth.c - the synthetic dataset generator (see bench_synth.h). */
#include "config.h"

#include "bench_synth.h"

#include <stdbool.h>
#include <string.h>

static const char *const words[] = {
    "the", "model", "learns", "a", "small", "dataset", "of", "questions", "and", "answers",
    "write", "explain", "why", "how", "function", "returns", "value", "list", "sorted", "by",
    "name", "number", "three", "seven", "river", "mountain", "city", "capital", "is", "largest",
    "summarise", "paragraph", "translate", "into", "French", "code", "loop", "array", "string",
    "token", "training", "loss", "gradient", "step", "memory", "file", "line", "offset", "record",
    "\\\"quoted\\\"", "new\\nline", "tab\\there", "{brace}", "[bracket]", "comma,", "colon:",
    "caf\\u00e9", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "emoji\xf0\x9f\x99\x82",
    "because", "therefore", "first", "then", "finally",
};

/* xorshift64*: fast and reproducible; quality is irrelevant here. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static size_t pick(uint64_t *s, size_t lo, size_t hi)
{
    return lo + (size_t)(next(s) % (hi - lo + 1));
}

/* One record is built here, then written whole; the longest possible record
 * (about 200 words of at most 16 bytes) fits with room to spare. */
typedef struct {
    char data[8192];
    size_t n;
} rec_buf;

static void put(rec_buf *b, const char *s)
{
    size_t len = strlen(s);
    if (b->n + len < sizeof b->data) {
        memcpy(b->data + b->n, s, len);
        b->n += len;
    }
}

static void put_words(rec_buf *b, uint64_t *s, size_t n)
{
    const size_t nw = sizeof words / sizeof *words;
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(b, " ");
        put(b, words[next(s) % nw]);
    }
}

static void put_field(rec_buf *b, uint64_t *s, const char *key, size_t lo, size_t hi,
                      const char *after)
{
    put(b, "\"");
    put(b, key);
    put(b, "\": \"");
    put_words(b, s, pick(s, lo, hi));
    put(b, "\"");
    put(b, after);
}

static void alpaca(rec_buf *b, uint64_t *s)
{
    put(b, "{");
    put_field(b, s, "instruction", 4, 30, ", ");
    put_field(b, s, "input", 0, next(s) % 2 ? 20 : 0, ", ");
    put_field(b, s, "output", 8, 160, "}\n");
}

static void sharegpt(rec_buf *b, uint64_t *s)
{
    put(b, "{\"conversations\": [");
    size_t turns = pick(s, 1, 3) * 2;
    if (next(s) % 3 == 0) {
        put(b, "{\"from\": \"system\", ");
        put_field(b, s, "value", 4, 12, "}, ");
    }
    for (size_t t = 0; t < turns; t++) {
        put(b, t % 2 ? "{\"from\": \"gpt\", " : "{\"from\": \"human\", ");
        put_field(b, s, "value", t % 2 ? 8 : 4, t % 2 ? 120 : 30, t + 1 < turns ? "}, " : "}");
    }
    put(b, "]}\n");
}

/* Writes records until BYTES are written or ROWS records (0: no limit). */
static int generate(FILE *f, ds_format fmt, uint64_t bytes, uint64_t rows, uint64_t seed,
                    uint64_t *records, uint64_t *written)
{
    if (fmt != DS_FMT_ALPACA && fmt != DS_FMT_SHAREGPT)
        return -1;
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1, n = 0, w = 0;
    rec_buf b;
    while (rows ? n < rows : w < bytes) {
        b.n = 0;
        if (fmt == DS_FMT_ALPACA)
            alpaca(&b, &s);
        else
            sharegpt(&b, &s);
        if (fwrite(b.data, 1, b.n, f) != b.n)
            return -1;
        w += b.n;
        n++;
    }
    *records = n;
    *written = w;
    return fflush(f) == 0 ? 0 : -1;
}

int bench_synth_write(FILE *f, ds_format fmt, uint64_t bytes, uint64_t seed, uint64_t *records)
{
    uint64_t written;
    return generate(f, fmt, bytes, 0, seed, records, &written);
}

int bench_synth_write_rows(FILE *f, ds_format fmt, uint64_t rows, uint64_t seed, uint64_t *bytes)
{
    uint64_t records;
    return rows ? generate(f, fmt, 0, rows, seed, &records, bytes) : -1;
}
