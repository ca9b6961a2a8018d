/* train_log.c - the Train pane's bounded event log (train_log.h). */
#include "train_log.h"

#include <stdlib.h>
#include <string.h>

void train_log_clear(train_log *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lines[(l->first + i) % TRAIN_LOG_MAX].text);
    l->first = l->n = 0;
    l->total = 0;
}

int train_log_add(train_log *l, int64_t step, train_log_level level, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return -1;
    if (l->n == TRAIN_LOG_MAX) {
        free(l->lines[l->first].text);
        l->first = (l->first + 1) % TRAIN_LOG_MAX;
        l->n--;
    }
    l->lines[(l->first + l->n++) % TRAIN_LOG_MAX] = (train_log_line){step, level, copy};
    l->total++;
    return 0;
}

const train_log_line *train_log_at(const train_log *l, size_t i)
{
    return i < l->n ? &l->lines[(l->first + i) % TRAIN_LOG_MAX] : NULL;
}
