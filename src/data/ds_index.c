/* ds_index.c - finds record boundaries in a JSONL or JSON-array file
 * without parsing: memchr over lines for JSONL, a byte scanner that tracks
 * strings, escapes and nesting depth for arrays. The text is scanned in 64 KiB
 * blocks; each block publishes progress, checks the cancel flag and records
 * the newline count at its start, so the line of any offset is one short
 * memchr count away. gzip files are first inflated to an unlinked temporary
 * file, so memory never holds the whole text. */
#include "config.h"

#include "ds_index.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "file_read.h"
#include "mapped_file.h"
#include "mem_budget.h"

#define BLOCK_SHIFT 16
#define BLOCK ((size_t)1 << BLOCK_SHIFT)
#define CHUNK_SHIFT 16
#define CHUNK ((size_t)1 << CHUNK_SHIFT)
/* Scanned pages are dropped from the mapping this often, to keep RSS flat. */
#define RELEASE_EVERY ((size_t)64 << 20)
#define INFLATE_BUF ((size_t)1 << 20)

struct ds_index {
    char *path;
    int fd;            /* the file as given */
    int text_fd;       /* what is mapped: fd, or the inflated temporary file */
    struct stat opened; /* the file as it was opened: a change means it is being rewritten */
    bool gz;
    const unsigned char *base;
    size_t size;
    ds_layout layout;
    unsigned char eol;  /* '\n', or '\r' in a file whose lines end in CR alone */
    /* Records live in fixed chunks that never move, so readers may use them
     * while the builder appends; the chunk table is sized from the text size. */
    ds_span **chunks;
    size_t n_chunks, n;
    uint64_t *block_lines;   /* newlines before each 64 KiB block */
    size_t n_blocks;
    atomic_size_t published;
    _Atomic uint64_t done_bytes, total_bytes;
    atomic_int phase;
    atomic_bool cancel;
    ds_index_problem *problems;
    size_t n_problems, problem_total;
};

enum { ARR_IN, ARR_AFTER, ARR_STOP };

typedef struct {
    ds_index *ix;
    uint64_t lines;
    size_t line_start;             /* JSONL: start of the current line */
    int stage;                     /* array: ARR_* */
    bool in_elem, in_str, need_comma, after_comma, failed;
    uint64_t depth;
    size_t elem_start, str_start;
} scan;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void add_problem(ds_index *ix, uint64_t offset, const char *reason)
{
    ix->problem_total++;
    if (ix->n_problems == DS_INDEX_MAX_PROBLEMS)
        return;
    if (!ix->problems) {
        ix->problems = calloc(DS_INDEX_MAX_PROBLEMS, sizeof *ix->problems);
        if (!ix->problems)
            return;
    }
    ds_index_problem *p = &ix->problems[ix->n_problems++];
    p->offset = offset;
    snprintf(p->reason, sizeof p->reason, "%s", reason);
}

ds_index *ds_index_open(const char *path, char *err, size_t errlen)
{
    ds_index *ix = calloc(1, sizeof *ix);
    if (!ix || !(ix->path = strdup(path))) {
        free(ix);
        set_err(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    ix->text_fd = -1;
    char why[160];
    ix->fd = file_read_open(path, why, sizeof why);
    struct stat st;
    if (ix->fd < 0 || fstat(ix->fd, &st) != 0) {
        set_err(err, errlen, "%s: %s", path, ix->fd < 0 ? why : strerror(errno));
        ds_index_free(ix);
        return NULL;
    }
    ix->opened = st;
    unsigned char magic[2];
    ix->gz = pread(ix->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    atomic_init(&ix->published, 0);
    atomic_init(&ix->done_bytes, 0);
    atomic_init(&ix->total_bytes, (uint64_t)st.st_size);
    atomic_init(&ix->phase, DS_PHASE_IDLE);
    atomic_init(&ix->cancel, false);
    return ix;
}

bool ds_index_cancelled(const ds_index *ix)
{
    return atomic_load_explicit(&ix->cancel, memory_order_relaxed);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A damaged stream keeps the text inflated up to the damage and becomes a
 * problem at that offset; a wrong check value in the trailer (the CRC-32 or
 * length of a member) keeps all of it, as gzip -d does, and says so. */
static void stream_problem(ds_index *ix, const z_stream *z, int zrc, bool eof, uint64_t text)
{
    char reason[160];
    const char *msg = z->msg ? z->msg : zrc == Z_BUF_ERROR && eof ? "unexpected end of file"
                                                                   : "unknown error";
    if (zrc == Z_DATA_ERROR && (!strcmp(msg, "incorrect data check")
                                || !strcmp(msg, "incorrect length check")))
        snprintf(reason, sizeof reason, "the gzip trailer's check does not match the text (%s): "
                 "the text is kept, but may be damaged", msg);
    else
        snprintf(reason, sizeof reason, "the gzip stream is damaged (%s); the text stops here",
                 msg);
    add_problem(ix, text, reason);
}

/* Reads the next input into IN for Z; false at the end of the file. */
static int refill(ds_index *ix, z_stream *z, unsigned char *in, uint64_t *offset, bool *eof,
                  char *err, size_t errlen)
{
    ssize_t r;
    while ((r = pread(ix->fd, in, INFLATE_BUF, (off_t)*offset)) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        set_err(err, errlen, "%s: read error: %s", ix->path, strerror(errno));
        return -1;
    }
    *eof = r == 0;
    *offset += (uint64_t)r;
    z->next_in = in;
    z->avail_in = (uInt)r;
    atomic_store_explicit(&ix->done_bytes, *offset, memory_order_relaxed);
    return 0;
}

/* Inflates the file's gzip members, one after another, into OUT. Bytes that
 * are not a gzip member after a complete one are ignored, as gzip does. */
static int inflate_copy(ds_index *ix, z_stream *z, int out, unsigned char *in,
                        unsigned char *buf, char *err, size_t errlen)
{
    uint64_t text = 0, offset = 0;
    bool eof = false, between = false;   /* between: a member just ended */
    for (;;) {
        if (ds_index_cancelled(ix)) {
            set_err(err, errlen, "%s: cancelled", ix->path);
            return -1;
        }
        if (z->avail_in == 0 && !eof && refill(ix, z, in, &offset, &eof, err, errlen))
            return -1;
        if (z->avail_in == 0 && eof && between)
            return 0;
        z->next_out = buf;
        z->avail_out = (uInt)INFLATE_BUF;
        int zrc = inflate(z, Z_NO_FLUSH);
        size_t have = INFLATE_BUF - z->avail_out;
        if (have && write_all(out, buf, have) != 0) {
            set_err(err, errlen, "%s: cannot write the decompressed text to a temporary file: %s",
                    ix->path, strerror(errno));
            return -1;
        }
        text += have;
        if (zrc == Z_STREAM_END) {
            between = true;
            inflateReset(z);
        } else if (zrc == Z_OK || (zrc == Z_BUF_ERROR && !(eof && z->avail_in == 0))) {
            between = between && !have && zrc == Z_BUF_ERROR;
        } else {
            if (!(between && zrc == Z_DATA_ERROR && !have))
                stream_problem(ix, z, zrc, eof, text);
            return 0;
        }
    }
}

static int inflate_to_temp(ds_index *ix, char *err, size_t errlen)
{
    atomic_store_explicit(&ix->phase, DS_PHASE_INFLATE, memory_order_release);
    const char *dir = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/lathe-dataset-XXXXXX", dir && *dir ? dir : "/tmp");
    int out = mkstemp(tmpl);
    if (out < 0) {
        set_err(err, errlen, "%s: cannot create a temporary file in %s to decompress into: %s",
                ix->path, dir && *dir ? dir : "/tmp", strerror(errno));
        return -1;
    }
    unlink(tmpl);
    z_stream z = {0};
    unsigned char *in = malloc(INFLATE_BUF), *buf = malloc(INFLATE_BUF);
    int rc = -1;
    if (!in || !buf || inflateInit2(&z, 15 + 16) != Z_OK) {
        set_err(err, errlen, "%s: out of memory", ix->path);
        in = buf = (free(in), free(buf), NULL);
    } else {
        rc = inflate_copy(ix, &z, out, in, buf, err, errlen);
        inflateEnd(&z);
    }
    free(in);
    free(buf);
    if (rc != 0) {
        close(out);
        return -1;
    }
    ix->text_fd = out;
    return 0;
}

static int map_text(ds_index *ix, char *err, size_t errlen)
{
    int fd = ix->gz ? ix->text_fd : ix->fd;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        set_err(err, errlen, "%s: %s", ix->path, strerror(errno));
        return -1;
    }
    ix->size = (size_t)st.st_size;
    const void *p;
    if (mapped_file_map_fd(fd, ix->path, ix->size, &p, err, errlen) != 0)
        return -1;
    if (p)
        madvise((void *)p, ix->size, MADV_SEQUENTIAL);
    ix->base = p;
    return 0;
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Sizes the record and line tables from the text size so they never move:
 * a record takes at least one byte plus a separator. */
static int alloc_tables(ds_index *ix, char *err, size_t errlen)
{
    size_t max_records = ix->size / 2 + 2;
    ix->n_chunks = (max_records + CHUNK - 1) >> CHUNK_SHIFT;
    ix->n_blocks = (ix->size >> BLOCK_SHIFT) + 1;
    ix->chunks = calloc(ix->n_chunks, sizeof *ix->chunks);
    ix->block_lines = calloc(ix->n_blocks, sizeof *ix->block_lines);
    if (!ix->chunks || !ix->block_lines) {
        set_err(err, errlen, "%s: out of memory for the record index", ix->path);
        return -1;
    }
    return 0;
}

static void push(scan *s, size_t off, size_t len)
{
    ds_index *ix = s->ix;
    size_t c = ix->n >> CHUNK_SHIFT;
    if (c >= ix->n_chunks || (!ix->chunks[c] && !(ix->chunks[c] = malloc(CHUNK * sizeof(ds_span))))) {
        s->failed = true;
        return;
    }
    ix->chunks[c][ix->n & (CHUNK - 1)] = (ds_span){off, len};
    atomic_store_explicit(&ix->published, ++ix->n, memory_order_release);
}

/* A non-blank line, trimmed of surrounding whitespace (so CRLF is fine), is one record. */
static void end_line(scan *s, size_t a, size_t z)
{
    const unsigned char *b = s->ix->base;
    while (a < z && is_ws(b[a]))
        a++;
    while (z > a && is_ws(b[z - 1]))
        z--;
    if (a < z)
        push(s, a, z - a);
}

static void scan_jsonl(scan *s, size_t from, size_t to)
{
    const unsigned char *b = s->ix->base;
    const unsigned char *q;
    while (from < to && (q = memchr(b + from, s->ix->eol, to - from))) {
        size_t nl = (size_t)(q - b);
        end_line(s, s->line_start, nl);
        s->lines++;
        s->line_start = from = nl + 1;
    }
}

static void count_lines(scan *s, size_t from, size_t to)
{
    const unsigned char *b = s->ix->base;
    const unsigned char *q;
    while (from < to && (q = memchr(b + from, s->ix->eol, to - from))) {
        s->lines++;
        from = (size_t)(q - b) + 1;
    }
}

static void end_elem(scan *s, size_t end)
{
    push(s, s->elem_start, end - s->elem_start);
    s->in_elem = false;
    s->need_comma = true;
    s->after_comma = false;
}

/* Inside a string: jump to the next quote; it closes the string unless an
 * odd run of backslashes precedes it. */
static size_t string_byte(scan *s, size_t i, size_t to)
{
    const unsigned char *b = s->ix->base;
    const unsigned char *q = memchr(b + i, '"', to - i);
    if (!q)
        return to;
    size_t k = (size_t)(q - b), bs = 0;
    while (k - bs > s->str_start && b[k - bs - 1] == '\\')
        bs++;
    if (bs & 1)
        return k + 1;
    s->in_str = false;
    if (s->depth == 0)
        end_elem(s, k + 1);
    return k + 1;
}

/* A byte inside a record. Returns where to continue; a byte that ends a bare
 * scalar is handed back to the top level unconsumed. */
static size_t elem_byte(scan *s, size_t i, unsigned char c)
{
    switch (c) {
    case '"':
        s->in_str = true;
        s->str_start = i + 1;
        return i + 1;
    case '{':
    case '[':
        s->depth++;
        return i + 1;
    case '}':
    case ']':
        if (s->depth == 0) {
            end_elem(s, i);
            return i;
        }
        if (--s->depth == 0)
            end_elem(s, i + 1);
        return i + 1;
    case ',':
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        if (s->depth == 0) {
            end_elem(s, i);
            return i;
        }
        return i + 1;
    default:
        return i + 1;
    }
}

/* A byte between records, inside the top-level array. */
static size_t top_byte(scan *s, size_t i, unsigned char c)
{
    if (s->stage == ARR_AFTER) {
        if (!is_ws(c)) {
            add_problem(s->ix, i, "unexpected text after the array's closing ']'; the rest of "
                        "the file is ignored");
            s->stage = ARR_STOP;
        }
        return i + 1;
    }
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        return i + 1;
    case ',':
        if (!s->need_comma)
            add_problem(s->ix, i, s->after_comma ? "two commas in a row between records"
                                                 : "',' before the first record");
        s->need_comma = false;
        s->after_comma = true;
        return i + 1;
    case ']':
        if (s->after_comma)
            add_problem(s->ix, i, "',' after the last record, before the closing ']'");
        s->stage = ARR_AFTER;
        return i + 1;
    case '}':
        add_problem(s->ix, i, "unexpected '}' between records");
        return i + 1;
    default:
        if (s->need_comma)
            add_problem(s->ix, i, "missing ',' between records");
        s->in_elem = true;
        s->elem_start = i;
        s->depth = 0;
        s->need_comma = s->after_comma = false;
        return i;
    }
}

static void scan_array(scan *s, size_t i, size_t to)
{
    const unsigned char *b = s->ix->base;
    while (i < to && s->stage != ARR_STOP && !s->failed) {
        if (s->in_str)
            i = string_byte(s, i, to);
        else if (s->in_elem)
            i = elem_byte(s, i, b[i]);
        else
            i = top_byte(s, i, b[i]);
    }
}

static void finish_array(scan *s)
{
    ds_index *ix = s->ix;
    if (s->stage != ARR_IN)
        return;
    if (s->in_elem && (s->in_str || s->depth > 0)) {
        size_t start = s->elem_start;
        end_line(s, start, ix->size);
        add_problem(ix, start, "the file ends inside this record, before the array's closing "
                    "']' (truncated?)");
        return;
    }
    if (s->in_elem)
        end_elem(s, ix->size);
    add_problem(ix, ix->size, "the file ends before the array's closing ']' (truncated?)");
}

/* Lines end in LF (or CRLF), or in CR alone (old Mac files) when the first
 * block has a CR and no LF. */
static unsigned char detect_eol(const ds_index *ix)
{
    size_t n = ix->size < BLOCK ? ix->size : BLOCK;
    return n && !memchr(ix->base, '\n', n) && memchr(ix->base, '\r', n) ? '\r' : '\n';
}

/* Skips a BOM and leading whitespace; '[' means a JSON array, anything else JSONL. */
static size_t detect_layout(ds_index *ix)
{
    const unsigned char *b = ix->base;
    size_t i = 0;
    ix->eol = detect_eol(ix);
    if (ix->size >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        i = 3;
    size_t start = i;
    while (i < ix->size && is_ws(b[i]))
        i++;
    if (i == ix->size) {
        ix->layout = DS_LAYOUT_JSONL;
        add_problem(ix, 0, ix->size == 0 ? "the file is empty" : "the file holds no records, "
                    "only whitespace");
        return ix->size;
    }
    ix->layout = b[i] == '[' ? DS_LAYOUT_ARRAY : DS_LAYOUT_JSONL;
    return ix->layout == DS_LAYOUT_ARRAY ? i + 1 : start;
}

void ds_index_release(const ds_index *ix, uint64_t upto)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t end = (size_t)(upto < ix->size ? upto : ix->size) & ~(page - 1);
    if (end)
        madvise((void *)ix->base, end, MADV_DONTNEED);
}

static void release_scanned(ds_index *ix, size_t *released, size_t upto)
{
    if (upto < *released + RELEASE_EVERY)
        return;
    ds_index_release(ix, upto);
    *released = upto;
}

/* True (with err) once the records found in the text up to UPTO would take
 * more than the memory budget. */
static bool over_budget(const ds_index *ix, size_t upto, char *err, size_t errlen)
{
    char why[160];
    if (!mem_budget_exceeded((uint64_t)ix->n * DS_INDEX_RECORD_BYTES, why, sizeof why))
        return false;
    set_err(err, errlen, "%s: %zu records in the first %zu MiB of text, at %d bytes each, need "
            "%s; split the file", ix->path, ix->n, upto >> 20, DS_INDEX_RECORD_BYTES, why);
    return true;
}

static int scan_text(ds_index *ix, size_t start, char *err, size_t errlen)
{
    scan s = {.ix = ix, .line_start = start, .stage = ARR_IN};
    size_t released = 0;
    for (size_t blk = 0; blk < ix->n_blocks; blk++) {
        if (ds_index_cancelled(ix)) {
            set_err(err, errlen, "%s: cancelled", ix->path);
            return -1;
        }
        if (mapped_file_lost(ix->base)) {
            ds_index_changed(ix, err, errlen);
            return -1;
        }
        size_t from = blk << BLOCK_SHIFT, to = from + BLOCK < ix->size ? from + BLOCK : ix->size;
        ix->block_lines[blk] = s.lines;
        if (from < start)
            from = start;
        if (from < to && ix->layout == DS_LAYOUT_JSONL) {
            scan_jsonl(&s, from, to);
        } else if (from < to) {
            count_lines(&s, blk << BLOCK_SHIFT, to);
            scan_array(&s, from, to);
        }
        if (over_budget(ix, to, err, errlen))
            return -1;
        if (s.failed)
            break;
        atomic_store_explicit(&ix->done_bytes, to, memory_order_relaxed);
        release_scanned(ix, &released, to);
    }
    if (!s.failed && ix->layout == DS_LAYOUT_JSONL)
        end_line(&s, s.line_start, ix->size);
    else if (!s.failed)
        finish_array(&s);
    if (s.failed) {
        set_err(err, errlen, "%s: out of memory for the record index after %zu records",
                ix->path, ix->n);
        return -1;
    }
    return 0;
}

int ds_index_build(ds_index *ix, char *err, size_t errlen)
{
    int rc = -1;
    if (atomic_load(&ix->phase) != DS_PHASE_IDLE) {
        set_err(err, errlen, "%s: the index is already built", ix->path);
        return -1;
    }
    if ((!ix->gz || inflate_to_temp(ix, err, errlen) == 0) && map_text(ix, err, errlen) == 0) {
        size_t start = detect_layout(ix);
        if (alloc_tables(ix, err, errlen) == 0) {
            atomic_store_explicit(&ix->done_bytes, 0, memory_order_relaxed);
            atomic_store_explicit(&ix->total_bytes, ix->size, memory_order_relaxed);
            atomic_store_explicit(&ix->phase, DS_PHASE_SCAN, memory_order_release);
            rc = scan_text(ix, start, err, errlen);
            if (rc == 0 && ds_index_changed(ix, err, errlen))
                rc = -1;
        }
    }
    int end = rc == 0 ? DS_PHASE_DONE : ds_index_cancelled(ix) ? DS_PHASE_CANCELLED : DS_PHASE_FAILED;
    atomic_store_explicit(&ix->phase, end, memory_order_release);
    return rc;
}

void ds_index_cancel(ds_index *ix)
{
    atomic_store_explicit(&ix->cancel, true, memory_order_relaxed);
}

void ds_index_progress_get(const ds_index *ix, ds_index_progress *out)
{
    out->phase = (ds_phase)atomic_load_explicit(&ix->phase, memory_order_acquire);
    out->done_bytes = atomic_load_explicit(&ix->done_bytes, memory_order_relaxed);
    out->total_bytes = atomic_load_explicit(&ix->total_bytes, memory_order_relaxed);
    out->records = atomic_load_explicit(&ix->published, memory_order_acquire);
}

size_t ds_index_count(const ds_index *ix)
{
    return atomic_load_explicit(&ix->published, memory_order_acquire);
}

ds_span ds_index_span(const ds_index *ix, size_t i)
{
    return ix->chunks[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

const char *ds_index_text(const ds_index *ix, size_t i, size_t *len)
{
    ds_span sp = ds_index_span(ix, i);
    *len = (size_t)sp.length;
    return (const char *)ix->base + sp.offset;
}

uint64_t ds_index_line(const ds_index *ix, uint64_t offset)
{
    if (!ix->block_lines)
        return 1;
    if (offset > ix->size)
        offset = ix->size;
    size_t from = (size_t)offset & ~(BLOCK - 1);
    uint64_t lines = ix->block_lines[offset >> BLOCK_SHIFT];
    const unsigned char *q;
    while (from < offset && (q = memchr(ix->base + from, ix->eol, (size_t)offset - from))) {
        lines++;
        from = (size_t)(q - ix->base) + 1;
    }
    return lines + 1;
}

bool ds_index_changed(const ds_index *ix, char *err, size_t errlen)
{
    struct stat now;
    bool lost = ix->base && mapped_file_lost(ix->base);
    if (fstat(ix->fd, &now) != 0)
        now = ix->opened;
    if (!lost && now.st_size == ix->opened.st_size
        && now.st_mtim.tv_sec == ix->opened.st_mtim.tv_sec
        && now.st_mtim.tv_nsec == ix->opened.st_mtim.tv_nsec)
        return false;
    set_err(err, errlen, "%s: changed on disk while being read (%lld bytes when opened, %lld "
            "now)", ix->path, (long long)ix->opened.st_size, (long long)now.st_size);
    return true;
}

ds_layout ds_index_layout(const ds_index *ix)
{
    return atomic_load_explicit(&ix->phase, memory_order_acquire) >= DS_PHASE_SCAN
        ? ix->layout : DS_LAYOUT_UNKNOWN;
}

const char *ds_index_path(const ds_index *ix)
{
    return ix->path;
}

uint64_t ds_index_size(const ds_index *ix)
{
    return atomic_load_explicit(&ix->phase, memory_order_acquire) >= DS_PHASE_SCAN ? ix->size : 0;
}

bool ds_index_compressed(const ds_index *ix)
{
    return ix->gz;
}

size_t ds_index_problem_count(const ds_index *ix)
{
    return ix->n_problems;
}

size_t ds_index_problem_total(const ds_index *ix)
{
    return ix->problem_total;
}

const ds_index_problem *ds_index_problem_at(const ds_index *ix, size_t i)
{
    return i < ix->n_problems ? &ix->problems[i] : NULL;
}

void ds_index_free(ds_index *ix)
{
    if (!ix)
        return;
    mapped_file_close(ix->base, ix->size);
    if (ix->text_fd >= 0)
        close(ix->text_fd);
    if (ix->fd >= 0)
        close(ix->fd);
    for (size_t c = 0; ix->chunks && c < ix->n_chunks; c++)
        free(ix->chunks[c]);
    free(ix->chunks);
    free(ix->block_lines);
    free(ix->problems);
    free(ix->path);
    free(ix);
}
