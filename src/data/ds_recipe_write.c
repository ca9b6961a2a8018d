/* ds_recipe_write.c - a recipe as YAML text, through libyaml's emitter. */
#include "config.h"

#include "ds_recipe.h"
#include "atomic_file.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "bytebuf.h"

/* libyaml's output handler: 1 on success, as it expects. */
static int append(void *data, unsigned char *bytes, size_t n)
{
    return bytebuf_put(data, bytes, n);
}

static int emit(yaml_emitter_t *em, yaml_event_t *ev, int ok)
{
    return ok && yaml_emitter_emit(em, ev);
}

static int str(yaml_emitter_t *em, const char *s)
{
    yaml_event_t ev;
    return emit(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
                                                      (int)strlen(s), 1, 1,
                                                      YAML_ANY_SCALAR_STYLE));
}

static int number(yaml_emitter_t *em, size_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%zu", v);
    return str(em, s);
}

/* The shortest text that reads back as V. */
static int real(yaml_emitter_t *em, double v)
{
    char s[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(s, sizeof s, "%.*g", digits, v);
        if (strtod(s, NULL) == v)
            break;
    }
    return str(em, s);
}

static int begin_map(yaml_emitter_t *em, yaml_mapping_style_t style)
{
    yaml_event_t ev;
    return emit(em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style));
}

static int end_map(yaml_emitter_t *em)
{
    yaml_event_t ev;
    return emit(em, &ev, yaml_mapping_end_event_initialize(&ev));
}

static int begin_seq(yaml_emitter_t *em, yaml_sequence_style_t style)
{
    yaml_event_t ev;
    return emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style));
}

static int end_seq(yaml_emitter_t *em)
{
    yaml_event_t ev;
    return emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

static int step(yaml_emitter_t *em, const ds_action *a)
{
    unsigned args = ds_action_args(a->kind);
    int ok = begin_map(em, YAML_BLOCK_MAPPING_STYLE) && str(em, "do")
        && str(em, ds_action_name(a->kind));
    if (ok && (args & DS_ARG_ROWS)) {
        ok = str(em, "rows") && begin_seq(em, YAML_FLOW_SEQUENCE_STYLE);
        for (size_t i = 0; ok && i < a->n_rows; i++)
            ok = number(em, a->rows[i] + 1);
        ok = ok && end_seq(em);
    }
    if (ok && (args & DS_ARG_ROW))
        ok = str(em, "row") && number(em, a->rows[0] + 1);
    if (ok && (args & DS_ARG_FILTER))
        ok = str(em, "filter") && str(em, a->filter);
    if (ok && (args & DS_ARG_TAG))
        ok = str(em, "tag") && str(em, a->tag);
    if (ok && (args & DS_ARG_JSON))
        ok = str(em, "json") && str(em, a->json);
    if (ok && (args & DS_ARG_THRESHOLD))
        ok = str(em, "threshold") && real(em, a->threshold);
    return ok && end_map(em);
}

static int tokens(yaml_emitter_t *em, const ds_recipe_tokens *t)
{
    int ok = str(em, "tokens") && begin_map(em, YAML_BLOCK_MAPPING_STYLE);
    if (ok && t->model)
        ok = str(em, "model") && str(em, t->model);
    if (ok && t->tmpl != CHAT_TMPL_UNKNOWN)
        ok = str(em, "chat_template") && str(em, chat_tmpl_name(t->tmpl));
    return ok && str(em, "sequence_len") && number(em, t->sequence_len) && end_map(em);
}

static int document(yaml_emitter_t *em, const ds_action *steps, size_t n, const char *input,
                    const ds_recipe_tokens *tok)
{
    yaml_event_t ev;
    int ok = emit(em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
        && emit(em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
        && begin_map(em, YAML_BLOCK_MAPPING_STYLE) && str(em, "version") && str(em, "1");
    if (ok && input)
        ok = str(em, "input") && str(em, input);
    if (ok && tok)
        ok = tokens(em, tok);
    ok = ok && str(em, "steps") && begin_seq(em, YAML_BLOCK_SEQUENCE_STYLE);
    for (size_t i = 0; ok && i < n; i++)
        ok = step(em, &steps[i]);
    return ok && end_seq(em) && end_map(em)
        && emit(em, &ev, yaml_document_end_event_initialize(&ev, 1))
        && emit(em, &ev, yaml_stream_end_event_initialize(&ev));
}

static const char header[] =
    "# lathe data recipe: the cleaning steps of a saved dataset. Replay them with\n"
    "#   lathe data clean INPUT --recipe THIS_FILE -o OUTPUT\n";

char *ds_recipe_format(const ds_action *steps, size_t n, const char *input,
                       const ds_recipe_tokens *tokens, char *err, size_t errlen)
{
    bytebuf t = {0};
    yaml_emitter_t em;
    int ok = append(&t, (unsigned char *)header, sizeof header - 1)
        && yaml_emitter_initialize(&em);
    if (ok) {
        yaml_emitter_set_output(&em, append, &t);
        yaml_emitter_set_unicode(&em, 1);
        yaml_emitter_set_width(&em, -1);
        ok = document(&em, steps, n, input, tokens);
        yaml_emitter_delete(&em);
    }
    if (!ok || t.oom) {
        snprintf(err, errlen, "cannot write the recipe: %s", t.oom || !t.p ? "out of memory"
                                                                      : "YAML emitter error");
        bytebuf_free(&t);
        return NULL;
    }
    return t.p;
}

/* E's token settings as the recipe records them; false when it has neither
 * a tokenizer nor a limit. */
static bool edit_tokens(const ds_edit *e, char *abs, ds_recipe_tokens *out)
{
    const ds_edit_tokens *t = ds_edit_get_tokens(e);
    const char *model = t->vocab ? t->model : NULL;
    *out = (ds_recipe_tokens){NULL, CHAT_TMPL_UNKNOWN, t->sequence_len};
    if (model) {
        if (!realpath(model, abs))    /* gone since it was loaded: as given */
            snprintf(abs, PATH_MAX, "%s", model);
        out->model = abs;
        out->tmpl = t->tmpl;
    }
    return out->model || out->sequence_len;
}

char *ds_recipe_format_edit(const ds_edit *e, const char *input, char *err, size_t errlen)
{
    size_t n = ds_edit_step_count(e);
    ds_action *steps = malloc((n + 1) * sizeof *steps);
    if (!steps) {
        snprintf(err, errlen, "cannot write the recipe: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        steps[i] = *ds_edit_step(e, i);
    char abs[PATH_MAX];
    ds_recipe_tokens tok;
    bool has_tok = edit_tokens(e, abs, &tok);
    char *text = ds_recipe_format(steps, n, input, has_tok ? &tok : NULL, err, errlen);
    free(steps);
    return text;
}

int ds_recipe_write(const ds_edit *e, const char *input, const char *comment, const char *path,
                    char *err, size_t errlen)
{
    char *text = ds_recipe_format_edit(e, input, err, errlen);
    if (!text)
        return -1;
    atomic_file af;
    int rc = atomic_file_open(&af, path, err, errlen);
    if (rc == 0 && ((comment && fputs(comment, af.fp) < 0) || fputs(text, af.fp) < 0)) {
        snprintf(err, errlen, "%s: write failed", path);
        atomic_file_abort(&af);
        rc = -1;
    } else if (rc == 0) {
        rc = atomic_file_commit(&af, err, errlen);
    }
    free(text);
    return rc;
}
