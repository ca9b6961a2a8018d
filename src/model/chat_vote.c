/* chat_vote.c - a vote as one preferences.jsonl line (chat_vote.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chat_json.h"
#include "chat_vote.h"

const char *chat_vote_name(chat_vote v)
{
    static const char *const names[] = {"a", "b", "tie", "both_bad"};
    return names[v];
}

static const char *stop_name(completion_stop s)
{
    static const char *const names[] = {"eog", "limit", "context", "stopped"};
    return names[s];
}

static json_t *answer(const char *reply)
{
    chat_msg m = {CHAT_ASSISTANT, reply};
    return chat_json_messages(&m, 1);
}

static json_t *side(const chat_vote_side *s)
{
    json_t *adapter = s->adapter ? chat_json_text(s->adapter) : json_null();
    json_t *o = json_pack("{s:o, s:o, s:f, s:o}", "model", chat_json_text(s->model), "adapter",
                          adapter, "scale", (double)s->scale, "label", chat_json_text(s->label));
    if (o && s->run &&
        json_object_set_new(o, "checkpoint",
                            json_pack("{s:o, s:I, s:b}", "run", chat_json_text(s->run), "step",
                                      (json_int_t)s->step, "full_weights", s->full))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *settings(const chat_vote_record *r)
{
    const tsample_params *p = &r->sp;
    return json_pack("{s:f, s:i, s:f, s:f, s:f, s:i, s:i}", "temp", (double)p->temp, "top_k",
                     p->top_k, "top_p", (double)p->top_p, "min_p", (double)p->min_p,
                     "repeat_penalty", (double)p->repeat_penalty, "repeat_last_n",
                     p->repeat_last_n, "max_tokens", r->max_tokens);
}

static json_t *record(const chat_vote_record *r)
{
    json_t *o = json_pack("{s:o, s:s, s:{s:o, s:o}, s:o, s:I, s:s, s:b, s:{s:s, s:s}}",
                          "prompt", chat_json_messages(r->prompt, r->n_prompt), "label",
                          chat_vote_name(r->vote), "models", "a", side(&r->side[0]), "b",
                          side(&r->side[1]), "settings", settings(r), "seed",
                          (json_int_t)r->sp.seed, "template", r->template_name, "blind",
                          r->blind, "stop", "a", stop_name(r->stop[0]), "b",
                          stop_name(r->stop[1]));
    if (!o)
        return NULL;
    int bad = 0;
    if (r->vote == CHAT_VOTE_A || r->vote == CHAT_VOTE_B) {
        int w = r->vote == CHAT_VOTE_B;
        bad |= json_object_set_new(o, "chosen", answer(r->reply[w]));
        bad |= json_object_set_new(o, "rejected", answer(r->reply[!w]));
    } else {
        bad |= json_object_set_new(o, "responses", json_pack("{s:o, s:o}", "a",
                                                             answer(r->reply[0]), "b",
                                                             answer(r->reply[1])));
    }
    if (r->blind)
        bad |= json_object_set_new(o, "shown_first", json_string(r->b_shown_first ? "b" : "a"));
    if (r->prompts_differ)
        bad |= json_object_set_new(o, "prompts_differ", json_true());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int chat_vote_append(const char *path, const chat_vote_record *r, char *err, size_t errlen)
{
    json_t *o = record(r);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(o);
    if (!line) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = strlen(line);
    line[len++] = '\n';     /* json_dumps's terminator becomes the newline */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ssize_t put = fd >= 0 ? write(fd, line, len) : -1;
    int e = errno;
    int rc = put == (ssize_t)len && fd >= 0 && !fsync(fd) ? 0 : -1;
    if (fd >= 0 && close(fd))
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%s: cannot append the vote: %s", path,
                 put >= 0 && put < (ssize_t)len ? "short write (disk full?)" : strerror(e));
    free(line);
    return rc;
}
