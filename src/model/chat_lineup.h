/* chat_lineup.h - what the sides of a chat run. A is the chat's model with
 * no adapter; B, when there is one, is the same model with a LoRA adapter
 * (a file, a PEFT directory or a run directory's adapter) or with a run's
 * checkpoint (its LoRA tensors, or its own full weights). Both read one
 * loaded copy of the model. Each side has a label saying exactly what it
 * runs. A lineup is built whole, so a change that fails (a bad adapter
 * path, a pruned checkpoint) leaves the running one untouched. */
#ifndef LATHE_CHAT_LINEUP_H
#define LATHE_CHAT_LINEUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_base.h"
#include "chat_side.h"
#include "chat_vote.h"

/* What B runs on top of the model. */
typedef struct {
    const char *adapter;    /* an adapter path; NULL: none */
    const char *run;        /* or a run directory's checkpoint; NULL: none */
    int64_t step;           /* the checkpoint's step; < 0: the newest */
    float scale;            /* the adapter's strength (alpha multiplied by it); <= 0: 1 */
} chat_b_spec;

typedef struct {
    int threads;            /* engine threads per side; <= 0: the cores (split when B runs) */
    int n_ctx;              /* <= 0: the model's context length, at most CHAT_CTX_MAX */
    chat_notify_fn notify;  /* given to the sides */
    void *notify_ctx;
} chat_lineup_opts;

#define CHAT_CTX_MAX 4096

typedef struct {
    chat_base *base;        /* the chat's model (A runs it as it is) */
    chat_side *side[2];     /* A and B; side[1] NULL when B runs nothing */
    char label[2][1024];    /* "A: model.gguf, no adapter" */
    char *adapter, *run;    /* B's, owned */
    int64_t step;           /* B's checkpoint, resolved */
    float scale;            /* B's adapter strength */
    bool full;              /* B's checkpoint holds full weights */
    bool live;              /* B's run has no summary.json yet: it may still be training */
} chat_lineup;

/* Builds A on BASE (a reference is taken) and B from SPEC (NULL: none). -1
 * with err, and L left empty. */
int chat_lineup_build(chat_lineup *l, chat_base *base, const chat_b_spec *spec,
                      const chat_lineup_opts *o, char *err, size_t errlen);
void chat_lineup_free(chat_lineup *l);
/* Replaces B by one built from SPEC, keeping A as it runs (its cache
 * included); -1 with err and L unchanged. For a lineup that has a B. */
int chat_lineup_set_b(chat_lineup *l, const chat_b_spec *spec, const chat_lineup_opts *o,
                      char *err, size_t errlen);
/* Side I (0 A, 1 B) as a vote records it, pointing into L. */
chat_vote_side chat_lineup_info(const chat_lineup *l, int i);
/* SPEC as B was built (pointing into L), for rebuilding it on another model. */
bool chat_lineup_b_spec(const chat_lineup *l, chat_b_spec *spec);

#endif
