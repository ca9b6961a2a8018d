/* gen_setup.c - model, adapter, tokenizer, template and threads for the
 * generating commands (gen_setup.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_setup.h"
#include "cpu_count.h"
#include "model_open.h"
#include "pipeline.h"

int gen_setup_open(gen_setup *g, const char *model_path, const char *lora_path, int threads,
                   char *err, size_t errlen)
{
    *g = (gen_setup){.model_path = model_path};
    g->vocab = tok_vocab_load(model_path, &g->template_text, err, errlen);
    if (!g->vocab)
        return -1;
    g->tok = tok_session_new(g->vocab, err, errlen);
    if (!g->tok) {
        gen_setup_close(g);
        return -1;
    }
    if (model_open(&g->mf, model_path, lora_path, true, err, errlen)) {
        g->mf.m = NULL;
        gen_setup_close(g);
        return -1;
    }
    size_t nv = tok_vocab_size(g->vocab);
    int n = threads > 0 ? threads : cpu_count();
    if (nv > (size_t)model_get_config(g->mf.m)->n_vocab) {
        snprintf(err, errlen, "%s: the tokenizer has %zu tokens but the model only %d "
                 "embedding rows", model_path, nv, model_get_config(g->mf.m)->n_vocab);
        gen_setup_close(g);
        return -1;
    }
    if (model_set_threads(g->mf.m, n, n, err, errlen)) {
        gen_setup_close(g);
        return -1;
    }
    return 0;
}

void gen_setup_close(gen_setup *g)
{
    if (g->mf.m)
        model_file_close(&g->mf);
    tok_session_free(g->tok);
    tok_vocab_free(g->vocab);
    free(g->template_text);
    *g = (gen_setup){0};
}

int gen_setup_chat(gen_setup *g, const chat_msg *msgs, size_t n, tok_ids *out, char **text,
                   char *err, size_t errlen)
{
    chat_tmpl t;
    char why[512];
    if (pipeline_template(CONFIG_TEMPLATE_AUTO, g->template_text, &t, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s (or use --raw)", g->model_path, why);
        return -1;
    }
    if (text) {
        size_t len;
        *text = chat_render_text(t, msgs, n, true, &len, err, errlen);
        if (!*text)
            return -1;
    }
    chat_tokens ct = {0};
    int rc = chat_render_tokens(t, g->tok, msgs, n, true, &ct, err, errlen);
    for (size_t i = 0; !rc && i < ct.ids.n; i++)
        if (tok_ids_push(out, ct.ids.ids[i])) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    chat_tokens_free(&ct);
    if (rc && text) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

int gen_setup_raw(gen_setup *g, const char *text, tok_ids *out, char *err, size_t errlen)
{
    return tok_encode(g->tok, text, strlen(text), true, true, out, err, errlen);
}
