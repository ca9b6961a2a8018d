/* data_preview.c - the trained-token preview: the record rendered through
 * the chat template and tokenized exactly as the trainer does
 * (pipe_render_record), each token drawn in the "trained" colour when its
 * label is learned and dimmed when masked, alternate tokens underlined so
 * their boundaries show, and a marker where sequence_len cuts the record. */
#include "data_pane_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "data_text.h"
#include "pipeline.h"
#include "pipe_render.h"
#include "text.h"

/* Records larger than this are not tokenized on the UI thread. */
#define PREVIEW_MAX_BYTES DATA_UI_TOKENIZE_MAX

#define ROLE_TRAINED THEME_SERIES3
#define ROLE_MASKED THEME_DIM

/* One display line being filled token by token. */
typedef struct {
    data_doc *doc;
    int width, cols;
    char text[2048];
    size_t len;
    data_run runs[512];
    size_t n_runs;
    size_t run_token;        /* token of the last run */
} line_builder;

static void flush(line_builder *b)
{
    data_doc_line *l = data_doc_add(b->doc, b->text, b->len, THEME_TEXT);
    for (size_t k = 0; l && k < b->n_runs; k++)
        if (data_doc_run(l, b->runs[k].start, b->runs[k].end, (theme_role)b->runs[k].role,
                         b->runs[k].underline) != 0)
            b->doc->oom = true;
    b->len = 0;
    b->n_runs = 0;
    b->cols = 0;
    b->run_token = SIZE_MAX;
}

static void append(line_builder *b, size_t token, const char *s, size_t n, int cols,
                   theme_role role)
{
    if (b->cols + cols > b->width || b->len + n >= sizeof b->text ||
        b->n_runs == sizeof b->runs / sizeof b->runs[0])
        flush(b);
    if (b->run_token != token || b->n_runs == 0) {
        b->runs[b->n_runs++] = (data_run){(uint32_t)b->len, (uint32_t)b->len, (uint8_t)role,
                                          token % 2 == 1};
        b->run_token = token;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->cols += cols;
    b->runs[b->n_runs - 1].end = (uint32_t)b->len;
}

/* Lays out one token's text; a newline in it shows as a glyph and breaks the line. */
static void put_token(line_builder *b, size_t token, const char *clean, theme_role role)
{
    for (size_t i = 0; clean[i];) {
        if (clean[i] == '\n') {
            const char *g = crt_glyph(CRT_GLYPH_NEWLINE);
            append(b, token, g, strlen(g), text_width(g), role);
            flush(b);
            i++;
            continue;
        }
        size_t n;
        int c = data_text_char_cols(clean + i, &n);
        append(b, token, clean + i, n, c, role);
        i += n;
    }
}

static void cut_marker(data_doc *d, int64_t seq_len, size_t dropped)
{
    data_doc_line *l = data_doc_addf(d, THEME_ERROR, "%s sequence_len %lld: the trainer drops "
                                     "the %zu tokens below", crt_glyph(CRT_GLYPH_CUT),
                                     (long long)seq_len, dropped);
    if (l)
        l->bold = true;
}

static void tokens(pane_data *p, const pipe_doc *pd, int width)
{
    const tok_vocab *v = data_source_vocab(p->src);
    int64_t seq_len = data_source_sequence_len(p->src);
    line_builder *b = calloc(1, sizeof *b);
    if (!b) {
        p->doc.oom = true;
        return;
    }
    *b = (line_builder){.doc = &p->doc, .width = width, .run_token = SIZE_MAX};
    for (size_t i = 0; i < pd->n; i++) {
        if (seq_len > 0 && i == (size_t)seq_len) {
            if (b->len)
                flush(b);
            cut_marker(&p->doc, seq_len, pd->n - i);
        }
        char piece[256];
        long n = tok_piece(v, pd->tokens[i], true, 0, piece, sizeof piece);
        char *clean = data_text_clean(piece, n < 0 ? 0 : (size_t)n, false, 0);
        if (!clean) {
            p->doc.oom = true;
            break;
        }
        bool trained = pd->labels[i] != PIPE_IGNORE && !(seq_len > 0 && i >= (size_t)seq_len);
        put_token(b, i, clean[0] ? clean : crt_glyph(CRT_GLYPH_DOT),
                  trained ? ROLE_TRAINED : ROLE_MASKED);
        free(clean);
    }
    if (b->len)
        flush(b);
    free(b);
}

/* Tokens the trainer keeps: the record up to sequence_len. */
static size_t kept(pane_data *p, const pipe_doc *pd)
{
    int64_t seq_len = data_source_sequence_len(p->src);
    return seq_len > 0 && pd->n > (size_t)seq_len ? (size_t)seq_len : pd->n;
}

static void legend(pane_data *p, const pipe_doc *pd)
{
    size_t trained = 0, n = kept(p, pd);
    for (size_t i = 0; i < n; i++)
        trained += pd->labels[i] != PIPE_IGNORE;
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    data_doc_addf(&p->doc, THEME_DIM, "record %zu %s template %s %s %zu tokens %s sequence_len %lld",
                  p->shown + 1, dot, chat_tmpl_name(data_source_template(p->src)), dot, pd->n,
                  dot, (long long)data_source_sequence_len(p->src));
    char text[128];
    int k = snprintf(text, sizeof text, "trained %zu", trained);
    int m = snprintf(text + k, sizeof text - (size_t)k, "   masked %zu", n - trained);
    int c = n < pd->n ? snprintf(text + k + m, sizeof text - (size_t)(k + m),
                                 "   dropped %zu (past sequence_len)", pd->n - n) : 0;
    data_doc_line *l = data_doc_add(&p->doc, text, (size_t)(k + m + c), THEME_TEXT);
    if (l && (data_doc_run(l, 0, (size_t)k, ROLE_TRAINED, false) ||
              data_doc_run(l, (size_t)k, (size_t)(k + m + c), ROLE_MASKED, false)))
        p->doc.oom = true;
    data_doc_add(&p->doc, "", 0, THEME_TEXT);
}

void data_preview_build(pane_data *p, int width)
{
    data_doc_clear(&p->doc);
    p->doc_width = width;
    tok_session *s = data_pane_session(p);
    ds_record rec;
    data_metrics m;
    char err[512] = "";
    pipe_doc pd = {0};
    int rc = data_pane_record(p, p->shown, &m, &rec);
    if (!s)
        data_doc_addf(&p->doc, THEME_ERROR, "no tokenizer loaded: open the file with -m MODEL "
                      "or -c CONFIG.yaml (base_model) to see trained tokens");
    else if (rc != DATASET_OK)
        data_doc_addf(&p->doc, THEME_ERROR, "record %zu does not parse; see the detail view",
                      p->shown + 1);
    else if (data_record_bytes(&rec) > PREVIEW_MAX_BYTES)
        data_doc_addf(&p->doc, THEME_ERROR, "record %zu has %zu bytes of text: too large to "
                      "preview here (%s renders it)", p->shown + 1, data_record_bytes(&rec),
                      "lathe data render");
    else if (pipe_render_record(&rec, data_source_template(p->src), s,
                                data_source_train_on_inputs(p->src), &pd, err, sizeof err) != 0)
        data_doc_addf(&p->doc, THEME_ERROR, "cannot render record %zu: %s", p->shown + 1, err);
    else {
        legend(p, &pd);
        tokens(p, &pd, width);
    }
    pipe_doc_free(&pd);
    ds_record_clear(&rec);
    if (p->doc.oom)
        data_pane_say(p, true, "out of memory previewing record %zu", p->shown + 1);
}
