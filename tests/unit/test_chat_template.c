/* test_chat_template.c - chat templates: detection from Jinja signatures
 * and names, the exact text of one conversation in every template, and the
 * token rendering's trainable flags and EOS rule on a byte-level vocab. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"

static void test_detect(void **state)
{
    (void)state;
    const struct { const char *jinja; chat_tmpl want; } cases[] = {
        {"{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n'}}{% endfor %}",
         CHAT_TMPL_CHATML},
        {"{{'<|im_start|>' + m['role'] + '<|im_sep|>'}}", CHAT_TMPL_PHI4},
        {"{{ bos_token }}{{ '[INST] ' + content + ' [/INST]' }}", CHAT_TMPL_LLAMA2},
        {"{{ '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>' }}", CHAT_TMPL_LLAMA2_SYS},
        {"{{ bos_token + '[INST] ' + x }} <<SYS>>", CHAT_TMPL_LLAMA2_SYS_BOS},
        {"[INST] <<SYS>> {{ message.content.strip() }}", CHAT_TMPL_LLAMA2_SYS_STRIP},
        {"[SYSTEM_PROMPT]{{ s }}[/SYSTEM_PROMPT][INST]", CHAT_TMPL_MISTRAL_V7},
        {"{{ ' [INST] ' + system_message }}", CHAT_TMPL_MISTRAL_V1},
        {"[AVAILABLE_TOOLS]{{ \"[INST]\" + c }}", CHAT_TMPL_MISTRAL_V3_TEKKEN},
        {"[AVAILABLE_TOOLS]{{ '[INST]' + c }}", CHAT_TMPL_MISTRAL_V3},
        {"<|user|>\\n{{c}}<|end|>\\n<|assistant|>", CHAT_TMPL_PHI3},
        {"<|user|>\\n{{c}}<|endoftext|>", CHAT_TMPL_ZEPHYR},
        {"<|user|> <|assistant|> </s>", CHAT_TMPL_UNKNOWN},
        {"<start_of_turn>user\\n", CHAT_TMPL_GEMMA},
        {"<|start_header_id|>{{ role }}<|end_header_id|>", CHAT_TMPL_LLAMA3},
        {"USER: {{c}} ASSISTANT: <|start_header_id|><|end_header_id|>", CHAT_TMPL_UNKNOWN},
        {"{{ messages }}", CHAT_TMPL_UNKNOWN},
        {"chatml", CHAT_TMPL_CHATML},
        {"mistral-v7", CHAT_TMPL_MISTRAL_V7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (chat_tmpl_detect(cases[i].jinja) != cases[i].want)
            fail_msg("case %zu '%s': got %s, want %s", i, cases[i].jinja,
                     chat_tmpl_name(chat_tmpl_detect(cases[i].jinja)),
                     chat_tmpl_name(cases[i].want));
    assert_int_equal(chat_tmpl_detect(NULL), CHAT_TMPL_UNKNOWN);
    assert_int_equal(chat_tmpl_from_name("mistral"), CHAT_TMPL_MISTRAL_V3);
    assert_int_equal(chat_tmpl_from_name("alpaca"), CHAT_TMPL_ALPACA);
    assert_int_equal(chat_tmpl_from_name("nope"), CHAT_TMPL_UNKNOWN);
    for (int t = CHAT_TMPL_UNKNOWN + 1; t < CHAT_TMPL_COUNT; t++)
        assert_int_equal(chat_tmpl_from_name(chat_tmpl_name((chat_tmpl)t)), t);
}

static const chat_msg convo[] = {
    {CHAT_SYSTEM, "You are helpful."},
    {CHAT_USER, "Hi"},
    {CHAT_ASSISTANT, "Hello!"},
    {CHAT_USER, "Bye"},
};

static void test_render_text(void **state)
{
    (void)state;
    const struct { const char *name, *want; } cases[] = {
        {"chatml", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi"
                   "<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n"
                   "Bye<|im_end|>\n<|im_start|>assistant\n"},
        {"llama2", "[INST] You are helpful.\nHi [/INST]Hello!</s>[INST] Bye [/INST]"},
        {"llama2-sys", "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]Hello!</s>"
                       "[INST] Bye [/INST]"},
        {"llama2-sys-bos", "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]Hello!</s>"
                           "<s>[INST] Bye [/INST]"},
        {"llama3", "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\n"},
        {"mistral-v1", " [INST] You are helpful.\n\nHi [/INST] Hello!</s> [INST] Bye [/INST]"},
        {"mistral-v3", "[INST] You are helpful.\n\nHi[/INST] Hello!</s>[INST] Bye[/INST]"},
        {"mistral-v3-tekken", "[INST]You are helpful.\n\nHi[/INST]Hello!</s>[INST]Bye[/INST]"},
        {"mistral-v7", "[SYSTEM_PROMPT] You are helpful.[/SYSTEM_PROMPT][INST] Hi[/INST] "
                       "Hello!</s>[INST] Bye[/INST]"},
        {"phi3", "<|system|>\nYou are helpful.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n"
                 "Hello!<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n"},
        {"zephyr", "<|system|>\nYou are helpful.<|endoftext|>\n<|user|>\nHi<|endoftext|>\n"
                   "<|assistant|>\nHello!<|endoftext|>\n<|user|>\nBye<|endoftext|>\n"
                   "<|assistant|>\n"},
        {"gemma", "<start_of_turn>user\nYou are helpful.\n\nHi<end_of_turn>\n<start_of_turn>model"
                  "\nHello!<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n"
                  "<start_of_turn>model\n"},
        {"phi4", "<|im_start|>system<|im_sep|>You are helpful.<|im_end|><|im_start|>user"
                 "<|im_sep|>Hi<|im_end|><|im_start|>assistant<|im_sep|>Hello!<|im_end|>"
                 "<|im_start|>user<|im_sep|>Bye<|im_end|><|im_start|>assistant<|im_sep|>"},
        {"alpaca", "You are helpful.\n\n### Instruction:\nHi\n\n### Response:\nHello!\n\n"
                   "### Instruction:\nBye\n\n### Response:\n"},
    };
    char err[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *s = chat_render_text(chat_tmpl_from_name(cases[i].name), convo, 4, true, &len,
                                   err, sizeof err);
        assert_non_null(s);
        if (strcmp(s, cases[i].want))
            fail_msg("%s:\n got '%s'\nwant '%s'", cases[i].name, s, cases[i].want);
        assert_int_equal(len, strlen(s));
        free(s);
    }
    assert_null(chat_render_text(CHAT_TMPL_UNKNOWN, convo, 4, true, NULL, err, sizeof err));
}

static void test_render_trims(void **state)
{
    (void)state;
    const chat_msg m[] = {{CHAT_USER, "  Hi \n"}, {CHAT_ASSISTANT, " Yo "}};
    char err[128];
    char *s = chat_render_text(CHAT_TMPL_LLAMA3, m, 2, false, NULL, err, sizeof err);
    assert_string_equal(s, "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                           "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|>");
    free(s);
    s = chat_render_text(CHAT_TMPL_MISTRAL_V3, m, 2, false, NULL, err, sizeof err);
    assert_string_equal(s, "[INST]   Hi \n[/INST] Yo</s>");
    free(s);
}

/* Every byte is a token (GPT-2 characters), plus chatml's markers and EOS. */
enum { IM_START = 256, IM_END, EOT, N_TOK };

static tok_vocab *byte_vocab(int32_t eos, bool add_bos)
{
    static char chars[256][4];
    const char *tokens[N_TOK];
    int32_t types[N_TOK];
    /* the GPT-2 map: printable Latin-1 maps to itself, the rest to U+0100.. */
    unsigned next = 0x100;
    for (int b = 0; b < 256; b++) {
        bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        unsigned cp = printable ? (unsigned)b : next++;
        if (cp < 0x80) {
            chars[b][0] = (char)cp;
            chars[b][1] = 0;
        } else {
            chars[b][0] = (char)(0xC0 | cp >> 6);
            chars[b][1] = (char)(0x80 | (cp & 0x3F));
            chars[b][2] = 0;
        }
        tokens[b] = chars[b];
        types[b] = TOK_T_NORMAL;
    }
    tokens[IM_START] = "<|im_start|>";
    tokens[IM_END] = "<|im_end|>";
    tokens[EOT] = "<|endoftext|>";
    types[IM_START] = types[IM_END] = types[EOT] = TOK_T_CONTROL;
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_BPE, "gpt-2");
    sp.n_tokens = N_TOK;
    sp.tokens = tokens;
    sp.types = types;
    sp.bos = EOT;
    sp.eos = eos;
    sp.add_bos = add_bos;
    char err[256];
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    return v;
}

static void render_tokens(const tok_vocab *v, chat_tmpl t, const chat_msg *m, size_t n,
                          chat_tokens *out)
{
    char err[256];
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(s);
    memset(out, 0, sizeof *out);
    if (chat_render_tokens(t, s, m, n, false, out, err, sizeof err) != 0)
        fail_msg("%s", err);
    tok_session_free(s);
}

static void test_render_tokens(void **state)
{
    (void)state;
    const chat_msg m[] = {{CHAT_USER, "Hi"}, {CHAT_ASSISTANT, "Yo"}};
    tok_vocab *v = byte_vocab(EOT, false);
    chat_tokens c;
    render_tokens(v, CHAT_TMPL_CHATML, m, 2, &c);
    /* <|im_end|> ends generation, so no EOS follows it; only the reply and
     * its closing marker are trainable */
    const int32_t want[] = {IM_START, 'u', 's', 'e', 'r', '\n', 'H', 'i', IM_END, '\n',
                            IM_START, 'a', 's', 's', 'i', 's', 't', 'a', 'n', 't', '\n',
                            'Y', 'o', IM_END, '\n'};
    assert_int_equal(c.ids.n, 25);
    assert_memory_equal(c.ids.ids, want, sizeof want);
    const char *text = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n";
    char err[128];
    size_t len;
    char *dec = tok_decode(v, c.ids.ids, c.ids.n, false, true, &len, err, sizeof err);
    assert_non_null(dec);
    assert_string_equal(dec, text);
    free(dec);
    for (size_t i = 0; i < c.ids.n; i++)
        assert_int_equal(c.trainable[i], i >= 21 && i <= 23);
    chat_tokens_free(&c);

    /* a closing marker that is not a token ("</s>" as bytes here) gets EOS */
    render_tokens(v, CHAT_TMPL_MISTRAL_V7, m, 2, &c);
    assert_int_equal(c.ids.ids[c.ids.n - 1], EOT);
    assert_int_equal(c.trainable[c.ids.n - 1], 1);
    assert_int_equal(c.ids.ids[c.ids.n - 2], '>');
    chat_tokens_free(&c);
    tok_vocab_free(v);

    /* EOS already closes the reply: nothing is added; BOS is not trainable */
    v = byte_vocab(IM_END, true);
    render_tokens(v, CHAT_TMPL_CHATML, m, 2, &c);
    assert_int_equal(c.ids.n, 26);
    assert_int_equal(c.ids.ids[0], EOT);
    assert_int_equal(c.trainable[0], 0);
    assert_int_equal(c.ids.ids[24], IM_END);
    assert_int_equal(c.trainable[24], 1);
    assert_int_equal(c.trainable[25], 0);
    chat_tokens_free(&c);
    tok_vocab_free(v);
}

static void test_render_tokens_alpaca(void **state)
{
    (void)state;
    const chat_msg m[] = {{CHAT_USER, "Q"}, {CHAT_ASSISTANT, "A"}};
    tok_vocab *v = byte_vocab(EOT, false);
    chat_tokens c;
    render_tokens(v, CHAT_TMPL_ALPACA, m, 2, &c);
    size_t n = c.ids.n;
    assert_true(n > 3);
    assert_int_equal(c.ids.ids[n - 1], EOT);
    assert_int_equal(c.ids.ids[n - 2], 'A');
    size_t trained = 0;
    for (size_t i = 0; i < n; i++)
        trained += c.trainable[i];
    assert_int_equal(trained, 2);
    assert_int_equal(c.trainable[n - 1] & c.trainable[n - 2], 1);
    chat_tokens_free(&c);
    tok_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_render_text),
        cmocka_unit_test(test_render_trims),
        cmocka_unit_test(test_render_tokens),
        cmocka_unit_test(test_render_tokens_alpaca),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
