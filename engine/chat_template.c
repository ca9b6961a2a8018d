/* chat_template.c - naming chat templates and recognising them from a
 * model's Jinja text by signature substrings, in llama.cpp's rule order
 * (first match wins; matches lathe cannot render give UNKNOWN). */
#include "config.h"

#include <string.h>

#include "chat_template.h"

static const char *const names[CHAT_TMPL_COUNT] = {
    [CHAT_TMPL_UNKNOWN] = "unknown",
    [CHAT_TMPL_CHATML] = "chatml",
    [CHAT_TMPL_LLAMA2] = "llama2",
    [CHAT_TMPL_LLAMA2_SYS] = "llama2-sys",
    [CHAT_TMPL_LLAMA2_SYS_BOS] = "llama2-sys-bos",
    [CHAT_TMPL_LLAMA2_SYS_STRIP] = "llama2-sys-strip",
    [CHAT_TMPL_MISTRAL_V1] = "mistral-v1",
    [CHAT_TMPL_MISTRAL_V3] = "mistral-v3",
    [CHAT_TMPL_MISTRAL_V3_TEKKEN] = "mistral-v3-tekken",
    [CHAT_TMPL_MISTRAL_V7] = "mistral-v7",
    [CHAT_TMPL_PHI3] = "phi3",
    [CHAT_TMPL_PHI4] = "phi4",
    [CHAT_TMPL_ZEPHYR] = "zephyr",
    [CHAT_TMPL_GEMMA] = "gemma",
    [CHAT_TMPL_LLAMA3] = "llama3",
    [CHAT_TMPL_ALPACA] = "alpaca",
};

const char *chat_tmpl_name(chat_tmpl t)
{
    return chat_tmpl_known(t) ? names[t] : names[0];
}

bool chat_tmpl_known(chat_tmpl t)
{
    return t > CHAT_TMPL_UNKNOWN && t < CHAT_TMPL_COUNT;
}

chat_tmpl chat_tmpl_from_name(const char *name)
{
    if (!name)
        return CHAT_TMPL_UNKNOWN;
    if (!strcmp(name, "mistral"))
        return CHAT_TMPL_MISTRAL_V3;
    for (int t = CHAT_TMPL_UNKNOWN + 1; t < CHAT_TMPL_COUNT; t++)
        if (!strcmp(name, names[t]))
            return (chat_tmpl)t;
    return CHAT_TMPL_UNKNOWN;
}

static chat_tmpl detect_mistral_llama2(const char *j)
{
    if (strstr(j, "[SYSTEM_PROMPT]"))
        return CHAT_TMPL_MISTRAL_V7;
    if (strstr(j, "' [INST] ' + system_message") || strstr(j, "[AVAILABLE_TOOLS]")) {
        if (strstr(j, " [INST]"))
            return CHAT_TMPL_MISTRAL_V1;
        if (strstr(j, "\"[INST]\""))
            return CHAT_TMPL_MISTRAL_V3_TEKKEN;
        return CHAT_TMPL_MISTRAL_V3;
    }
    if (strstr(j, "content.strip()"))
        return CHAT_TMPL_LLAMA2_SYS_STRIP;
    if (strstr(j, "bos_token + '[INST]"))
        return CHAT_TMPL_LLAMA2_SYS_BOS;
    if (strstr(j, "<<SYS>>"))
        return CHAT_TMPL_LLAMA2_SYS;
    return CHAT_TMPL_LLAMA2;
}

/* Signatures of templates lathe does not render; they must still stop the
 * search where llama.cpp would. */
static bool other_known(const char *j)
{
    return strstr(j, "bos_token + message['role']") ||
           strstr(j, "'\\n\\nAssistant: ' + eos_token") || strstr(j, "GPT4 Correct ") ||
           (strstr(j, "USER: ") && strstr(j, "ASSISTANT: ")) ||
           (strstr(j, "### Instruction:") && strstr(j, "<|EOT|>")) ||
           (strstr(j, "<|START_OF_TURN_TOKEN|>") && strstr(j, "<|USER_TOKEN|>"));
}

chat_tmpl chat_tmpl_detect(const char *j)
{
    if (!j)
        return CHAT_TMPL_UNKNOWN;
    chat_tmpl named = chat_tmpl_from_name(j);
    if (named != CHAT_TMPL_UNKNOWN)
        return named;
    if (strstr(j, "<|im_start|>"))
        return strstr(j, "<|im_sep|>") ? CHAT_TMPL_PHI4 : CHAT_TMPL_CHATML;
    if (!strncmp(j, "mistral", 7) || strstr(j, "[INST]"))
        return detect_mistral_llama2(j);
    if (strstr(j, "<|assistant|>") && strstr(j, "<|end|>"))
        return CHAT_TMPL_PHI3;
    if (strstr(j, "<|assistant|>") && strstr(j, "<|user|>"))
        return CHAT_TMPL_UNKNOWN; /* falcon3 / glmedge */
    if (strstr(j, "<|user|>") && strstr(j, "<|endoftext|>"))
        return CHAT_TMPL_ZEPHYR;
    if (strstr(j, "bos_token + message['role']"))
        return CHAT_TMPL_UNKNOWN; /* monarch */
    if (strstr(j, "<start_of_turn>"))
        return CHAT_TMPL_GEMMA;
    if (other_known(j))
        return CHAT_TMPL_UNKNOWN;
    if (strstr(j, "<|start_header_id|>") && strstr(j, "<|end_header_id|>"))
        return CHAT_TMPL_LLAMA3;
    return CHAT_TMPL_UNKNOWN;
}
