/* template_check.c - the first records through the chat template, and what
 * looks wrong about the template (see template_check.h). */
#include "config.h"

#include "template_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "pipeline.h"

static void warn(template_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(template_check *c, const char *fmt, ...)
{
    if (c->n_warnings == TEMPLATE_CHECK_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->warnings[c->n_warnings++], sizeof c->warnings[0], fmt, ap);
    va_end(ap);
}

/* The template the trainer uses, and the model's own. */
static int templates(template_check *c, const train_config *cfg, const char *jinja, char *err,
                     size_t errlen)
{
    c->model_has_template = jinja && jinja[0];
    c->model_tmpl = c->model_has_template ? chat_tmpl_detect(jinja) : CHAT_TMPL_UNKNOWN;
    return pipeline_template(cfg->chat_template, jinja, &c->tmpl, err, errlen);
}

static void check_warnings(template_check *c, const train_config *cfg)
{
    const char *name = chat_tmpl_name(c->tmpl);
    if (cfg->chat_template != CONFIG_TEMPLATE_AUTO && c->model_has_template &&
        c->model_tmpl != c->tmpl)
        warn(c, "chat_template %s is not the model's own (%s): the model was tuned to another "
             "format, so it learns a new one from this data", name,
             chat_tmpl_known(c->model_tmpl) ? chat_tmpl_name(c->model_tmpl)
                                            : "one lathe does not render");
    else if (cfg->chat_template != CONFIG_TEMPLATE_AUTO && !c->model_has_template)
        warn(c, "the model has no chat template of its own: chat_template %s is new to it and "
             "is learned from this data", name);
    const char *eot = chat_tmpl_end_of_turn(c->tmpl);
    if (eot && tok_lookup(c->vocab, eot, strlen(eot)) == TOK_NONE)
        warn(c, "%s's end-of-turn token %s is not in the model's vocabulary: it is learned as "
             "ordinary pieces and the model may not stop at the end of a reply", name, eot);
    else if (!eot && tok_eos(c->vocab) == TOK_NONE)
        warn(c, "the model's vocabulary has no end-of-sequence token: %s replies are learned "
             "without an end, and the model may not stop", name);
    if (cfg->train_on_inputs)
        warn(c, "train_on_inputs: true trains the prompts too, not only the replies (every "
             "token below is coloured)");
}

static int render(template_check *c, dataset *ds, size_t n, char *err, size_t errlen)
{
    tok_session *s = tok_session_new(c->vocab, err, errlen);
    if (!s)
        return -1;
    c->dataset_records = dataset_count(ds);
    for (size_t i = 0; i < c->dataset_records && c->n_records < n; i++) {
        template_check_record *r = &c->records[c->n_records++];
        ds_record rec;
        r->index = i;
        if (dataset_get(ds, i, &rec, r->error, sizeof r->error) == DATASET_OK &&
            pipe_render_record(&rec, c->tmpl, s, c->train_on_inputs, &r->doc, r->error,
                               sizeof r->error) != 0)
            pipe_doc_free(&r->doc);
        ds_record_clear(&rec);
    }
    tok_session_free(s);
    return 0;
}

int template_check_run(template_check *c, const train_config *cfg, size_t n, char *err,
                       size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->train_on_inputs = cfg->train_on_inputs;
    c->sequence_len = cfg->sequence_len;
    if (n > TEMPLATE_CHECK_RECORDS)
        n = TEMPLATE_CHECK_RECORDS;
    char *jinja = NULL;
    if (!(c->vocab = tok_vocab_load(cfg->base_model, &jinja, err, errlen)))
        return -1;
    int rc = templates(c, cfg, jinja, err, errlen);
    free(jinja);
    if (rc != 0)
        return -1;
    check_warnings(c, cfg);
    if (cfg->datasets.n == 0)
        return 0;
    const config_dataset *e = &cfg->datasets.items[0];
    snprintf(c->dataset, sizeof c->dataset, "%s", e->path);
    dataset_options opt;
    pipeline_dataset_options(e, &opt);
    dataset *ds = dataset_new(e->path, &opt, err, errlen);
    if (!ds || dataset_build(ds, err, errlen) != 0) {
        dataset_free(ds);
        return -1;
    }
    rc = render(c, ds, n, err, errlen);
    dataset_free(ds);
    return rc;
}

void template_check_free(template_check *c)
{
    for (size_t i = 0; i < c->n_records; i++)
        pipe_doc_free(&c->records[i].doc);
    tok_vocab_free(c->vocab);
    c->vocab = NULL;
    c->n_records = 0;
}
