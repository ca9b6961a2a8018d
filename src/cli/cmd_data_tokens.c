/* cmd_data_tokens.c - the token settings of the data commands: the recipe's,
 * the options over them, the tokenizer loaded, and the warning when the
 * options change what the recipe's token filters read. */
#include "config.h"

#include "cmd_data_tokens.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "ds_filter.h"
#include "pipeline.h"
#include "train_config.h"

/* The settings before the tokenizer is loaded. */
typedef struct {
    const char *model;
    bool recipe_template;           /* model and template are the recipe's */
    config_chat_template choice;    /* else the template: as the trainer resolves it */
    long long sequence_len;
} plan;

static int make_plan(plan *p, const char *sub, const cmd_data_token_opts *o,
                     const ds_recipe *r, train_config *cfg)
{
    *p = (plan){.choice = CONFIG_TEMPLATE_AUTO};
    if (r && r->has_tokens)
        *p = (plan){r->tokens.model, r->tokens.model != NULL, CONFIG_TEMPLATE_AUTO,
                    r->tokens.sequence_len};
    if (train_config_defaults(cfg)) {
        fprintf(stderr, "lathe data %s: out of memory\n", sub);
        return -1;
    }
    if (o->config) {
        train_config_free(cfg);
        config_diags diags;
        int rc = train_config_load(cfg, o->config, NULL, 0, &diags);
        config_diags_print(&diags, stderr);
        if (rc)
            return -1;
        *p = (plan){cfg->base_model, false, cfg->chat_template, cfg->sequence_len};
    }
    if (o->model) {
        p->model = o->model;
        p->recipe_template = false;
    }
    if (o->sequence_len >= 0)
        p->sequence_len = o->sequence_len;
    return 0;
}

static int load(cmd_data_tokens *t, const char *sub, const plan *p, const cmd_data_token_opts *o,
                const ds_recipe *r, const char *recipe_path)
{
    char err[1024] = "", *jinja = NULL;
    if (!(t->model = strdup(p->model))) {
        fprintf(stderr, "lathe data %s: out of memory\n", sub);
        return -1;
    }
    if (!(t->vocab = tok_vocab_load(p->model, &jinja, err, sizeof err))) {
        if (p->recipe_template)
            fprintf(stderr, "lathe data %s: %s: cannot load the tokenizer %s that its tokens: "
                            "names (%s); pass -m MODEL_OR_VOCAB to count with another\n",
                    sub, recipe_path, p->model, err);
        else
            fprintf(stderr, "lathe data %s: %s\n", sub, err);
        return -1;
    }
    int rc = 0;
    if (p->recipe_template) {
        t->edit.tmpl = r->tokens.tmpl;
    } else if (pipeline_template(p->choice, jinja, &t->edit.tmpl, err, sizeof err) != 0) {
        fprintf(stderr, "lathe data %s: %s%s\n", sub, err,
                o->strict ? "" : "; token totals are field sums");
        t->edit.tmpl = CHAT_TMPL_UNKNOWN;
        rc = o->strict ? -1 : 0;
    }
    free(jinja);
    t->edit.vocab = t->vocab;
    t->edit.model = t->model;
    return rc;
}

/* DS_NEED_* of the recipe's filters (one that does not compile fails the
 * replay later). */
static unsigned recipe_reads(const ds_recipe *r)
{
    unsigned needs = 0;
    char why[256];
    for (size_t i = 0; i < r->n; i++) {
        ds_filter *f = r->steps[i].filter ? ds_filter_compile(r->steps[i].filter, why, sizeof why)
                                          : NULL;
        needs |= f ? ds_filter_needs(f) : 0;
        ds_filter_free(f);
    }
    return needs;
}

static bool same_model(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!a || !b)
        return a == b;
    return !strcmp(realpath(a, ra) ? ra : a, realpath(b, rb) ? rb : b);
}

static void warn(const char *sub, const char *path, const char *what, const char *was,
                 const char *now)
{
    fprintf(stderr, "lathe data %s: warning: %s recorded the %s %s and the options give %s; its "
                    "filters on tokens or too_long read it, so the output may differ from the "
                    "Data pane's\n", sub, path, what, was, now);
}

static void warn_changes(const cmd_data_tokens *t, const char *sub, const ds_recipe *r,
                         const char *path)
{
    if (!r || !r->has_tokens)
        return;
    unsigned reads = recipe_reads(r);
    const ds_recipe_tokens *rt = &r->tokens;
    const char *none = "(none: the byte estimate)";
    bool counts = reads & (DS_NEED_TOKENS | DS_NEED_LIMIT);
    if (counts && !same_model(t->model, rt->model))
        warn(sub, path, "tokenizer", rt->model ? rt->model : none, t->model ? t->model : none);
    else if (counts && t->edit.tmpl != rt->tmpl)
        warn(sub, path, "chat template", chat_tmpl_name(rt->tmpl), chat_tmpl_name(t->edit.tmpl));
    if ((reads & DS_NEED_LIMIT) && t->edit.sequence_len != rt->sequence_len) {
        char was[24], now[24];
        snprintf(was, sizeof was, "%u", rt->sequence_len);
        snprintf(now, sizeof now, "%u", t->edit.sequence_len);
        warn(sub, path, "sequence_len", was, now);
    }
}

int cmd_data_tokens_open(cmd_data_tokens *t, const char *sub, const cmd_data_token_opts *o,
                         const ds_recipe *r, const char *recipe_path)
{
    *t = (cmd_data_tokens){0};
    train_config cfg = {0};
    plan p;
    int rc = make_plan(&p, sub, o, r, &cfg);
    if (rc == 0) {
        t->edit.sequence_len = p.sequence_len > 0 && p.sequence_len <= UINT32_MAX
            ? (uint32_t)p.sequence_len : 0;
        rc = p.model ? load(t, sub, &p, o, r, recipe_path) : 0;
    }
    train_config_free(&cfg);
    if (rc == 0)
        warn_changes(t, sub, r, recipe_path);
    return rc;
}

void cmd_data_tokens_close(cmd_data_tokens *t)
{
    tok_vocab_free(t->vocab);
    free(t->model);
    *t = (cmd_data_tokens){0};
}
