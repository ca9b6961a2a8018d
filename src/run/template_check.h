/* template_check.h - a config's chat template checked against its own model
 * and data before a run: the first records of the first dataset rendered
 * and tokenized exactly as the trainer does (pipe_render_record), so one
 * sees which tokens are learned and which are masked, and a warning with
 * its reason when the template is not the model's own, when the token that
 * closes a turn is not in the model's vocabulary (the model would learn to
 * end turns with ordinary pieces, and may not stop), or when
 * train_on_inputs trains the prompts too. It reads the tokenizer and indexes
 * the dataset, so the Config pane runs it on a worker. */
#ifndef LATHE_TEMPLATE_CHECK_H
#define LATHE_TEMPLATE_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_template.h"
#include "pipe_render.h"
#include "tok.h"
#include "train_config.h"

enum { TEMPLATE_CHECK_RECORDS = 3, TEMPLATE_CHECK_WARNINGS = 4 };

typedef struct {
    size_t index;                 /* in the file, 0-based */
    pipe_doc doc;                 /* empty when it could not be rendered */
    char error[256];              /* why not ("" when it was) */
} template_check_record;

typedef struct {
    tok_vocab *vocab;             /* the model's (owned); NULL when it did not load */
    chat_tmpl tmpl;               /* the template the trainer uses */
    bool model_has_template;      /* the model carries a chat template */
    chat_tmpl model_tmpl;         /* it, when lathe renders it, else UNKNOWN */
    bool train_on_inputs;
    int64_t sequence_len;
    char dataset[PATH_MAX];       /* the first dataset's path */
    size_t dataset_records;
    template_check_record records[TEMPLATE_CHECK_RECORDS];
    size_t n_records;
    char warnings[TEMPLATE_CHECK_WARNINGS][320];
    size_t n_warnings;
} template_check;

/* Checks CFG (loaded without errors) on the first N (<= TEMPLATE_CHECK_RECORDS)
 * records of its first dataset. 0 with C filled, or -1 with err when the
 * model's tokenizer, its template or the dataset cannot be read; C is
 * freeable either way. */
int template_check_run(template_check *c, const train_config *cfg, size_t n, char *err,
                       size_t errlen);
void template_check_free(template_check *c);

#endif
