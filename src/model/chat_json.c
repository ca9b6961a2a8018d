/* chat_json.c - messages as JSON (chat_json.h). */
#include "config.h"

#include <stdlib.h>

#include "chat_json.h"
#include "completion.h"

json_t *chat_json_text(const char *s)
{
    char *v = completion_utf8_valid(s ? s : "");
    json_t *j = v ? json_string(v) : NULL;
    free(v);
    return j;
}

json_t *chat_json_messages(const chat_msg *m, size_t n)
{
    static const char *const roles[] = {"system", "user", "assistant"};
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_pack("{s:s, s:o}", "role", roles[m[i].role],
                                               "content", chat_json_text(m[i].content)))) {
            json_decref(a);
            return NULL;
        }
    return a;
}
