/* paragraphs.c - plain text to a completion dataset (see paragraphs.h). */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "paragraphs.h"

static int write_record(FILE *out, const char *p, size_t n)
{
    json_t *o = json_object();
    int rc = !o || json_object_set_new(o, "text", json_stringn(p, n)) ? -1 : 0;
    char *line = rc ? NULL : json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!line || fprintf(out, "%s\n", line) < 0)
        rc = -1;
    free(line);
    return rc;
}

long paragraphs_write_jsonl(FILE *out, const char *text, size_t len)
{
    long count = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && text[i] == '\n')
            i++;
        size_t start = i;
        const char *end = i < len ? memmem(text + i, len - i, "\n\n\n", 3) : NULL;
        i = end ? (size_t)(end - text) : len;
        size_t n = i;
        while (n > start && text[n - 1] == '\n')
            n--;
        if (n > start && write_record(out, text + start, n - start) != 0)
            return -1;
        count += n > start;
    }
    return count;
}
