/* data_preview.c - the trained-token preview: the record rendered through
 * the chat template and tokenized exactly as the trainer does
 * (pipe_render_record), its tokens laid out by token_view.h (trained ones
 * coloured, masked ones dimmed, the sequence_len cut marked). */
#include "data_pane_impl.h"

#include "crt.h"
#include "pipe_render.h"
#include "token_view.h"

/* Records larger than this are not tokenized on the UI thread. */
#define PREVIEW_MAX_BYTES DATA_UI_TOKENIZE_MAX

/* A token_view line kept as a line of the preview. */
static int keep_line(void *ctx, const token_view_line *tl)
{
    data_doc *d = ctx;
    data_doc_line *l = data_doc_add(d, tl->text, tl->len, tl->role);
    if (!l)
        return -1;
    l->bold = tl->bold;
    for (size_t k = 0; k < tl->n_runs; k++)
        if (data_doc_run(l, tl->runs[k].start, tl->runs[k].end, (theme_role)tl->runs[k].role,
                         tl->runs[k].underline) != 0)
            return -1;
    return 0;
}

static void legend(pane_data *p, const pipe_doc *pd)
{
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    int64_t seq_len = data_source_sequence_len(p->src);
    data_doc_addf(&p->doc, THEME_DIM, "record %zu %s template %s %s %zu tokens %s sequence_len %lld",
                  p->shown + 1, dot, chat_tmpl_name(data_source_template(p->src)), dot, pd->n,
                  dot, (long long)seq_len);
    if (token_view_legend(pd, seq_len, keep_line, &p->doc) != 0)
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
        if (token_view_lines(&pd, data_source_vocab(p->src), data_source_sequence_len(p->src),
                             width, keep_line, &p->doc) != 0)
            p->doc.oom = true;
    }
    pipe_doc_free(&pd);
    ds_record_clear(&rec);
    if (p->doc.oom)
        data_pane_say(p, true, "out of memory previewing record %zu", p->shown + 1);
}
