/* chat_json.h - chat messages as JSON, the shape OpenAI's "messages" and
 * TRL's conversational datasets use ([{"role", "content"}, ...]), with text
 * made valid UTF-8 first (a reply cut mid-character keeps U+FFFD), for the
 * files a chat writes: preferences.jsonl and /save transcripts. */
#ifndef LATHE_CHAT_JSON_H
#define LATHE_CHAT_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "chat_template.h"

/* A JSON string of S (NULL: ""); NULL when out of memory. */
json_t *chat_json_text(const char *s);
/* [{"role": ..., "content": ...}, ...]; NULL when out of memory. */
json_t *chat_json_messages(const chat_msg *m, size_t n);

#endif
