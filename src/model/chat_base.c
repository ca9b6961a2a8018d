/* chat_base.c - the model a chat runs on (chat_base.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_base.h"
#include "pipeline.h"

chat_base *chat_base_open(const char *path, bool fp32, char *err, size_t errlen)
{
    chat_base *b = calloc(1, sizeof *b);
    if (!b || !(b->path = strdup(path))) {
        free(b);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->refs = 1;
    /* one pool thread: the base only lends its tensors, views do the work */
    if (gen_setup_open(&b->g, b->path, NULL, 1, err, errlen)) {
        free(b->path);
        free(b);
        return NULL;
    }
    if (fp32) {
        model_file_close(&b->g.mf);
        if (model_file_load(&b->g.mf, b->path, false, err, errlen)) {
            b->g.mf.m = NULL;
            chat_base_unref(b);
            return NULL;
        }
    }
    return b;
}

chat_base *chat_base_ref(chat_base *b)
{
    b->refs++;
    return b;
}

void chat_base_unref(chat_base *b)
{
    if (!b || --b->refs > 0)
        return;
    gen_setup_close(&b->g);
    free(b->path);
    free(b);
}

int chat_base_template(const chat_base *b, chat_tmpl override, chat_tmpl *out, char *err,
                       size_t errlen)
{
    if (chat_tmpl_known(override)) {
        *out = override;
        return 0;
    }
    char why[512];
    if (pipeline_template(CONFIG_TEMPLATE_AUTO, b->g.template_text, out, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s (or choose one with /template NAME)", b->path, why);
        return -1;
    }
    return 0;
}

const char *chat_base_name(const chat_base *b)
{
    const char *slash = strrchr(b->path, '/');
    return slash && slash[1] ? slash + 1 : b->path;
}
