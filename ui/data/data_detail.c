/* data_detail.c - one record in full: where it is in the file, its figures
 * and flags, then every field (alpaca) or every turn labelled by its role
 * (conversations), wrapped to the pane's width; a record that does not
 * parse shows why and its raw text with invalid bytes escaped. */
#include "data_pane_impl.h"

#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "text_clean.h"

/* What the view shows of one field, and of a bad record's raw text: enough
 * to read, bounded so a multi-megabyte line cannot stall the UI. */
#define FIELD_SHOW_BYTES ((size_t)1 << 20)
#define RAW_SHOW_BYTES ((size_t)64 << 10)

/* Wraps TEXT[0..len) into D, cut at SHOW bytes with a note saying so. */
static void wrap_text(data_doc *d, const char *text, size_t len, size_t show, int width,
                      data_field f)
{
    char *clean = text_clean(text, len < show ? len : show, false, 0);
    if (!clean) {
        d->oom = true;
        return;
    }
    data_doc_wrap(d, clean, width, THEME_TEXT, f);
    free(clean);
    if (len > show)
        data_doc_addf(d, THEME_DIM, "(the first %zu of %zu bytes)", show, len);
}

static void field(data_doc *d, const char *label, ds_text t, int width, data_field f)
{
    data_doc_line *l = data_doc_addf(d, THEME_ACCENT, "%s", label);
    if (l)
        l->bold = true;
    if (t.len == 0) {
        data_doc_addf(d, THEME_DIM, "  (empty)");
        return;
    }
    wrap_text(d, t.text, t.len, FIELD_SHOW_BYTES, width, f);
}

static const data_field role_field[] = {
    [DS_ROLE_SYSTEM] = DATA_FIELD_SYSTEM, [DS_ROLE_USER] = DATA_FIELD_USER,
    [DS_ROLE_ASSISTANT] = DATA_FIELD_ASSISTANT,
};

/* A field's label: its key in the record ("response"), else the format's name. */
static const char *key(const char *in_record, const char *format_name)
{
    return in_record ? in_record : format_name;
}

static void fields(data_doc *d, const ds_record *r, int width)
{
    switch (r->format) {
    case DS_FMT_ALPACA:
        field(d, key(r->instruction_key, "instruction"), r->instruction, width,
              DATA_FIELD_INSTRUCTION);
        field(d, key(r->input_key, "input"), r->input, width, DATA_FIELD_INPUT);
        field(d, key(r->output_key, "output"), r->output, width, DATA_FIELD_OUTPUT);
        return;
    case DS_FMT_INPUT_OUTPUT:
        field(d, key(r->input_key, "input"), r->input, width, DATA_FIELD_INPUT);
        field(d, key(r->output_key, "output"), r->output, width, DATA_FIELD_OUTPUT);
        return;
    case DS_FMT_COMPLETION:
        field(d, key(r->output_key, "text"), r->output, width, DATA_FIELD_OUTPUT);
        return;
    default:
        break;
    }
    if (r->n_turns == 0)
        data_doc_addf(d, THEME_ERROR, "no turns");
    for (size_t t = 0; t < r->n_turns; t++) {
        char label[64];
        snprintf(label, sizeof label, "turn %zu %s %s", t + 1, crt_glyph(CRT_GLYPH_DOT),
                 ds_role_name(r->turns[t].role));
        field(d, label, r->turns[t].text, width, role_field[r->turns[t].role]);
    }
}

static void header(pane_data *p, data_doc *d, size_t rec, const data_metrics *m, bool parsed)
{
    dataset *ds = data_source_dataset(p->src);
    const char *dot = crt_glyph(CRT_GLYPH_DOT);
    data_doc_addf(d, THEME_DIM, "record %zu of %zu %s line %llu %s byte %llu", rec + 1,
                  dataset_count(ds), dot, (unsigned long long)dataset_line(ds, rec), dot,
                  (unsigned long long)dataset_offset(ds, rec));
    bool exact = data_source_vocab(p->src) != NULL;
    if (!parsed)
        return;
    data_doc_addf(d, THEME_DIM, "%u chars %s %s%u tokens%s", m->chars, dot,
                  exact ? "" : "~", m->tokens,
                  !exact ? " (estimated from bytes)"
                  : data_source_template(p->src) != CHAT_TMPL_UNKNOWN
                  ? " trained (chat template, BOS/EOS)" : "");
    size_t first;
    bool edited = p->edit && ds_edit_replaced(p->edit, rec);
    if (edited)
        data_doc_addf(d, THEME_ACCENT, "edited (not saved until w)");
    if (p->edit && ds_edit_deleted(p->edit, rec))
        data_doc_addf(d, THEME_ERROR, "deleted (d restores it)");
    uint32_t tags = p->edit ? ds_edit_tags(p->edit, rec) : 0;
    char names[256];
    int k = 0;
    for (size_t t = 0; tags && t < ds_edit_tag_count(p->edit) && k < (int)sizeof names; t++)
        if (tags & (1u << t))
            k += snprintf(names + k, sizeof names - (size_t)k, " %s", ds_edit_tag_name(p->edit, t));
    if (tags)
        data_doc_addf(d, THEME_ACCENT, "tags:%s", names);
    bool current = data_stats_current(p);
    if (!edited && !current && dataset_dup_of(ds, rec, &first))
        data_doc_addf(d, THEME_ERROR, "duplicate of record %zu", first + 1);
    else if (current && (m->flags & DS_ROW_DUP))
        data_doc_addf(d, THEME_ERROR, "duplicate of an earlier record");
    const ds_stats *st = data_source_stats(p->src);
    uint32_t near = st && (!edited || current) ? ds_stats_near_of(st, rec) : DS_NEAR_NONE;
    if (near != DS_NEAR_NONE && (m->flags & DS_ROW_NEAR_DUP))
        data_doc_addf(d, THEME_ERROR, "near duplicate of record %u", near + 1);
    if (m->flags & DS_ROW_EMPTY)
        data_doc_addf(d, THEME_ERROR, "has an empty field or turn");
    if (m->flags & DS_ROW_TOO_LONG)
        data_doc_addf(d, THEME_ERROR, "longer than sequence_len %lld: the trainer cuts it",
                      (long long)data_source_sequence_len(p->src));
    if (m->flags & DS_ROW_PII)
        data_doc_addf(d, THEME_ERROR, "contains personal data (PII): the clean menu redacts it");
    if (m->flags & (DS_ROW_CONTROL | DS_ROW_INVALID_UTF8))
        data_doc_addf(d, THEME_ERROR, "has control characters or invalid UTF-8");
    data_doc_addf(d, THEME_DIM, "language: %s", ds_lang_name((ds_lang)m->lang));
}

static void bad_record(pane_data *p, data_doc *d, size_t rec, const char *why, int width)
{
    data_doc_addf(d, THEME_ERROR, "problem: %s", why);
    size_t len;
    const char *raw = data_pane_text(p, rec, &len);
    data_doc_line *l = data_doc_addf(d, THEME_ACCENT, "raw text (escaped)");
    if (l)
        l->bold = true;
    wrap_text(d, raw, len, RAW_SHOW_BYTES, width, DATA_FIELD_COUNT);
}

void data_detail_build(pane_data *p, int width)
{
    data_doc_clear(&p->doc);
    p->doc_width = width;
    ds_record rec;
    data_metrics m;
    if (data_pane_record(p, p->shown, &m, &rec) == DATASET_OK) {
        header(p, &p->doc, p->shown, &m, true);
        fields(&p->doc, &rec, width);
    } else {
        char why[512];
        ds_record_clear(&rec);
        data_pane_get(p, p->shown, &rec, why, sizeof why);
        header(p, &p->doc, p->shown, &m, false);
        bad_record(p, &p->doc, p->shown, why, width);
    }
    ds_record_clear(&rec);
    if (p->doc.oom)
        data_pane_say(p, true, "out of memory showing record %zu", p->shown + 1);
}
