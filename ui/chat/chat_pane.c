/* chat_pane.c - the Chat pane. It will hold the A/B chat REPL: each prompt to the
 * base model (A) and to base+adapter (B), side by side.
 * Until that lands it says so, in the words every other surface uses
 * (chat_pending.h), and names the headless command to use meanwhile; it shows
 * no made-up content. */
#include "pane.h"

#include "chat_pending.h"

static const char *const lines[] = {
    "A/B chat",
    "",
    "This pane will send each prompt to the base model (A) and to the base",
    "model with your fine-tuned adapter (B), show both answers side by side,",
    "and keep the better ones.",
    "",
    "Status: " CHAT_PENDING ".",
    "",
    "From a shell, one answer from the base model and one with the adapter:",
    "",
    "$ lathe generate -m MODEL.gguf -p PROMPT --temp 0",
    "$ lathe generate -m MODEL.gguf --lora ADAPTER -p PROMPT --temp 0",
};

const pane_class chat_pane_class = {
    .name = "Chat",
    .size = sizeof(pane_text),
    .draw = pane_text_draw,
    .handle_key = pane_text_key,
    .keys = pane_text_keys,
    .n_keys = PANE_TEXT_N_KEYS,
    .text = lines,
    .n_text = sizeof lines / sizeof lines[0],
};
