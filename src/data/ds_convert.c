/* ds_convert.c - normalised turns to each format's JSON, with jansson. */
#include "config.h"

#include "ds_convert.h"
#include "ds_output.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *jstr(ds_text t)
{
    return json_stringn(t.text, t.len);
}

/* The user and assistant texts of a single exchange; false when REC is not one. */
static bool one_exchange(const ds_record *rec, ds_text *user, ds_text *assistant, char *why,
                         size_t whylen)
{
    if (rec->n_turns == 2 && rec->turns[0].role == DS_ROLE_USER
        && rec->turns[1].role == DS_ROLE_ASSISTANT) {
        *user = rec->turns[0].text;
        *assistant = rec->turns[1].text;
        return true;
    }
    bool system = rec->n_turns && rec->turns[0].role == DS_ROLE_SYSTEM;
    snprintf(why, whylen, "%s; the target holds one user and one assistant turn",
             system ? "it has a system turn" : "it is not a single exchange");
    return false;
}

static json_t *turn_list(const ds_record *rec, bool sharegpt)
{
    static const char *const from[] = {"system", "human", "gpt"};
    json_t *list = json_array();
    for (size_t i = 0; list && i < rec->n_turns; i++) {
        ds_role r = rec->turns[i].role;
        json_t *t = sharegpt ? json_pack("{s:s,s:o}", "from", from[r], "value",
                                         jstr(rec->turns[i].text))
                             : json_pack("{s:s,s:o}", "role", ds_role_name(r), "content",
                                         jstr(rec->turns[i].text));
        if (json_array_append_new(list, t) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *joined_text(const ds_record *rec)
{
    size_t n = 0;
    for (size_t i = 0; i < rec->n_turns; i++)
        n += rec->turns[i].text.len + 2;
    char *buf = malloc(n + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < rec->n_turns; i++) {
        if (i) {
            memcpy(buf + o, "\n\n", 2);
            o += 2;
        }
        memcpy(buf + o, rec->turns[i].text.text, rec->turns[i].text.len);
        o += rec->turns[i].text.len;
    }
    json_t *s = json_stringn(buf, o);
    free(buf);
    return s;
}

static json_t *build(const ds_record *rec, ds_format to, char *why, size_t whylen)
{
    ds_text user, assistant;
    switch (to) {
    case DS_FMT_ALPACA:
        if (rec->format == DS_FMT_ALPACA)
            return json_pack("{s:o,s:o,s:o}", "instruction", jstr(rec->instruction), "input",
                             jstr(rec->input), "output", jstr(rec->output));
        if (!one_exchange(rec, &user, &assistant, why, whylen))
            return NULL;
        return json_pack("{s:o,s:s,s:o}", "instruction", jstr(user), "input", "", "output",
                         jstr(assistant));
    case DS_FMT_INPUT_OUTPUT:
        if (!one_exchange(rec, &user, &assistant, why, whylen))
            return NULL;
        return json_pack("{s:o,s:o}", "input", jstr(user), "output", jstr(assistant));
    case DS_FMT_SHAREGPT:
    case DS_FMT_MESSAGES:
        return json_pack("{s:o}", to == DS_FMT_SHAREGPT ? "conversations" : "messages",
                         turn_list(rec, to == DS_FMT_SHAREGPT));
    case DS_FMT_COMPLETION:
        return json_pack("{s:o}", "text", joined_text(rec));
    default:
        snprintf(why, whylen, "no target format");
        return NULL;
    }
}

int ds_convert_record(const ds_record *rec, ds_format to, char **out, size_t *outlen, char *why,
                      size_t whylen)
{
    if (rec->n_turns == 0) {
        snprintf(why, whylen, "the record has no turns");
        return -1;
    }
    why[0] = '\0';
    json_t *j = build(rec, to, why, whylen);
    *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!*out) {
        if (!why[0])
            snprintf(why, whylen, "out of memory");
        return -1;
    }
    *outlen = strlen(*out);
    return 0;
}

static void skipped(ds_edit *e, size_t row, const char *why, ds_convert_note note, void *ctx)
{
    dataset *ds = ds_edit_dataset(e);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s:%llu:%llu: %s", dataset_path(ds),
             (unsigned long long)dataset_line(ds, row), (unsigned long long)dataset_offset(ds, row),
             why);
    if (note)
        note(ctx, msg);
}

int ds_convert_save(ds_edit *e, ds_format to, const char *out, ds_convert_note note, void *ctx,
                    ds_convert_result *res, char *err, size_t errlen)
{
    *res = (ds_convert_result){0};
    ds_output o;
    if (ds_output_open(&o, out, ds_output_layout_for(out), err, errlen) != 0)
        return -1;
    char why[512];
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        if (ds_edit_deleted(e, row))
            continue;
        ds_record rec;
        char *text = NULL;
        size_t len;
        int got = ds_edit_get(e, row, &rec, why, sizeof why);
        int rc = got == DATASET_OK ? ds_convert_record(&rec, to, &text, &len, why, sizeof why)
                                   : -1;
        ds_record_clear(&rec);
        if (rc != 0) {
            got == DATASET_OK ? res->unfit++ : res->problems++;
            skipped(e, row, why, note, ctx);
            continue;
        }
        rc = ds_output_record(&o, text, len, err, errlen);
        free(text);
        if (rc != 0) {
            ds_output_abort(&o);
            return -1;
        }
        res->converted++;
    }
    if (dataset_changed(ds_edit_dataset(e), err, errlen)) {
        ds_output_abort(&o);
        return -1;
    }
    return ds_output_commit(&o, err, errlen);
}
