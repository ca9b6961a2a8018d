/* chat_pane.c - the Chat pane. It will hold the A/B chat REPL: each prompt to the
 * base model (A) and to base+adapter (B), side by side. Until that lands it
 * names the headless command that does it; it shows no made-up content. */
#include "pane.h"

static const char *const lines[] = {
    "A/B chat",
    "",
    "This pane will send each prompt to the base model (A) and to the base",
    "model with your fine-tuned adapter (B), show both answers side by side,",
    "and keep the better ones.",
    "",
    "Status: the pane is not available yet; lathe chat does it from a shell:",
    "",
    "$ lathe chat -m MODEL.gguf --lora ADAPTER --ab",
};

const pane_class chat_pane_class = {
    .name = "Chat",
    .id = PANE_CHAT,
    .size = sizeof(pane_text),
    .draw = pane_text_draw,
    .handle_key = pane_text_key,
    .keys = pane_text_keys,
    .n_keys = PANE_TEXT_N_KEYS,
    .text = lines,
    .n_text = sizeof lines / sizeof lines[0],
};
