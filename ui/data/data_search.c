/* data_search.c - queries and the search job on a worker (see data_search.h). */
#include "config.h"

#include "data_search.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static const char *const field_names[DATA_FIELD_COUNT] = {
    "all fields", "instruction", "input", "output", "system", "user", "assistant",
};

const char *data_field_name(data_field f)
{
    return f < DATA_FIELD_COUNT ? field_names[f] : "?";
}

int data_query_compile(data_query *q, const char *text, bool regex, data_field field,
                       char *err, size_t errlen)
{
    *q = (data_query){.regex = regex, .field = field};
    if (!text[0]) {
        snprintf(err, errlen, "empty search");
        return -1;
    }
    if (!(q->text = strdup(text))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!regex)
        return 0;
    int code;
    PCRE2_SIZE at;
    q->re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                          &code, &at, NULL);
    if (!q->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "regex /%s/ at offset %zu: %s", text, (size_t)at, (char *)msg);
        data_query_free(q);
        return -1;
    }
    pcre2_jit_compile(q->re, PCRE2_JIT_COMPLETE);   /* faster when it works; fine when not */
    return 0;
}

void data_query_free(data_query *q)
{
    free(q->text);
    pcre2_code_free(q->re);
    *q = (data_query){0};
}

static bool find_one(const data_query *q, pcre2_match_data *md, const char *s, size_t len,
                     size_t from, data_span *out)
{
    if (!q->regex) {
        size_t n = strlen(q->text);
        const char *hit = from <= len ? memmem(s + from, len - from, q->text, n) : NULL;
        if (!hit)
            return false;
        *out = (data_span){(size_t)(hit - s), (size_t)(hit - s) + n};
        return true;
    }
    /* The text was checked as UTF-8 when it was parsed or cleaned. */
    int rc = pcre2_match(q->re, (PCRE2_SPTR)s, len, from, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc < 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *out = (data_span){ov[0], ov[1]};
    return true;
}

size_t data_query_spans(const data_query *q, pcre2_match_data *md, const char *s, size_t len,
                        data_span *spans, size_t max)
{
    size_t n = 0, from = 0;
    while (n < max && from <= len && find_one(q, md, s, len, from, &spans[n])) {
        from = spans[n].end > spans[n].start ? spans[n].end : spans[n].end + 1;
        if (spans[n].end > spans[n].start)
            n++;
    }
    return n;
}

bool data_query_scope(const data_query *q, data_field field)
{
    return q->field == DATA_FIELD_ALL || q->field == field;
}

static bool match_text(const data_query *q, pcre2_match_data *md, ds_text t)
{
    data_span sp;
    return t.text && find_one(q, md, t.text, t.len, 0, &sp);
}

static const data_field role_field[] = {
    [DS_ROLE_SYSTEM] = DATA_FIELD_SYSTEM, [DS_ROLE_USER] = DATA_FIELD_USER,
    [DS_ROLE_ASSISTANT] = DATA_FIELD_ASSISTANT,
};

bool data_query_record(const data_query *q, pcre2_match_data *md, const ds_record *rec)
{
    if (rec->format == DS_FMT_ALPACA || rec->format == DS_FMT_INPUT_OUTPUT) {
        if ((data_query_scope(q, DATA_FIELD_INSTRUCTION) && match_text(q, md, rec->instruction)) ||
            (data_query_scope(q, DATA_FIELD_INPUT) && match_text(q, md, rec->input)) ||
            (data_query_scope(q, DATA_FIELD_OUTPUT) && match_text(q, md, rec->output)))
            return true;
        if (q->field <= DATA_FIELD_OUTPUT)
            return false;
    }
    for (size_t t = 0; t < rec->n_turns; t++)
        if (data_query_scope(q, role_field[rec->turns[t].role]) &&
            match_text(q, md, rec->turns[t].text))
            return true;
    return false;
}

/* Rows between two drops of the text a forward scan has read. */
#define RELEASE_EVERY 65536

struct data_search {
    worker *w;
    dataset *ds;
    ds_edit *edit;            /* NULL: the file as it is */
    const data_query *q;
    pcre2_match_data *md;     /* the worker's, for a regex */
    size_t *rows, n, from;
    int dir;
    size_t found;             /* the worker's until it ends */
    char *scratch;            /* the worker's decoded strings of one record */
    size_t scratch_cap;
};

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v = v << 4 | (unsigned)(c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0);
    }
    return v;
}

/* Every JSON string of RAW (keys too) decoded into OUT, NUL-separated: a
 * superset of the field texts, built without parsing the JSON into a tree.
 * OUT must hold LEN + 1 bytes (decoding never grows the text). */
static size_t json_strings(const char *raw, size_t len, char *out)
{
    size_t o = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];
        if (!in) {
            in = c == '"';
        } else if (c == '"') {
            in = false;
            out[o++] = '\0';
        } else if (c != '\\' || i + 1 >= len) {
            out[o++] = c;
        } else if (raw[++i] != 'u' || i + 4 >= len) {
            char e = raw[i];
            out[o++] = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b'
                     : e == 'f' ? '\f' : e;
        } else {
            unsigned cp = hex4(raw + i + 1);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < len && raw[i + 1] == '\\' &&
                raw[i + 2] == 'u') {
                unsigned lo = hex4(raw + i + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            o += utf8_put(cp, out + o);
        }
    }
    return o;
}

/* False when RECORD cannot match: the needle is in none of its strings. */
static bool raw_may_match(data_search *s, size_t record)
{
    size_t len;
    const char *raw = s->edit ? ds_edit_text(s->edit, record, &len)
                              : dataset_text(s->ds, record, &len);
    if (len + 1 > s->scratch_cap) {
        char *b = realloc(s->scratch, len + 1);
        if (!b)
            return true;    /* let the full parse decide */
        s->scratch = b;
        s->scratch_cap = len + 1;
    }
    size_t n = json_strings(raw, len, s->scratch);
    return memmem(s->scratch, n, s->q->text, strlen(s->q->text)) != NULL;
}

static int search_run(worker *w, void *arg, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    data_search *s = arg;
    char why[256];
    size_t pos = s->from;
    for (size_t k = 1; k <= s->n && !worker_cancelled(w); k++) {
        pos = s->dir > 0 ? (pos + 1) % s->n : (pos + s->n - 1) % s->n;
        size_t record = s->rows ? s->rows[pos] : pos;
        bool hit = false;
        if (s->q->regex || raw_may_match(s, record)) {
            ds_record rec;
            int rc = s->edit ? ds_edit_get(s->edit, record, &rec, why, sizeof why)
                             : dataset_get(s->ds, record, &rec, why, sizeof why);
            hit = rc == DATASET_OK && data_query_record(s->q, s->md, &rec);
            ds_record_clear(&rec);
        }
        worker_progress(w, k, s->n);
        if (!s->rows && s->dir > 0 && pos > 0 && k % RELEASE_EVERY == 0)
            dataset_release_before(s->ds, pos);   /* a forward scan: keep RSS flat */
        if (hit) {
            s->found = pos;
            break;
        }
    }
    return 0;
}

static const worker_job search_job = {.name = "search", .run = search_run};

static void search_free(data_search *s)
{
    pcre2_match_data_free(s->md);
    free(s->rows);
    free(s->scratch);
    free(s);
}

data_search *data_search_start(dataset *ds, ds_edit *edit, const data_query *q, size_t *rows,
                               size_t n, size_t from, int dir, worker_notify notify, char *err,
                               size_t errlen)
{
    data_search *s = calloc(1, sizeof *s);
    if (!s) {
        free(rows);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *s = (data_search){.ds = ds, .edit = edit, .q = q, .rows = rows, .n = n, .from = from,
                       .dir = dir, .found = SIZE_MAX};
    if (n && from >= n)
        s->from = dir > 0 ? n - 1 : 0;
    if (q->regex && !(s->md = pcre2_match_data_create_from_pattern(q->re, NULL))) {
        search_free(s);
        snprintf(err, errlen, "out of memory for the search");
        return NULL;
    }
    if (!(s->w = worker_new(&search_job, notify, err, errlen)) ||
        worker_start(s->w, s, err, errlen) != 0) {
        worker_free(s->w);
        search_free(s);
        return NULL;
    }
    return s;
}

bool data_search_poll(const data_search *s, size_t *found, size_t *scanned)
{
    worker_status st;
    bool done = worker_poll(s->w, &st) != WORKER_RUNNING;
    *found = done ? s->found : SIZE_MAX;
    *scanned = (size_t)st.done;
    return done;
}

void data_search_stop(data_search *s)
{
    if (!s)
        return;
    worker_free(s->w);
    search_free(s);
}
