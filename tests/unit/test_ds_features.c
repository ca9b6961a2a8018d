/* test_ds_features.c - the per-record analysis: each PII detector on true
 * positives (with exact spans) and on look-alikes it must not flag, the
 * Luhn check, the language guess by script, and the features of parsed
 * records (characters, estimated and vocabulary tokens, empty fields, roles,
 * control characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_features.h"

/* The single hit in TEXT must be KIND covering exactly WANT. */
static void expect_hit(const char *text, ds_pii_kind kind, const char *want)
{
    ds_pii_span sp[4];
    size_t n = ds_pii_scan(text, strlen(text), sp, 4);
    if (n != 1)
        fail_msg("'%s': %zu hits, want 1", text, n);
    if (sp[0].kind != kind)
        fail_msg("'%s': kind %s, want %s", text, ds_pii_kind_name(sp[0].kind), ds_pii_kind_name(kind));
    if (sp[0].len != strlen(want) || memcmp(text + sp[0].start, want, sp[0].len))
        fail_msg("'%s': span '%.*s', want '%s'", text, (int)sp[0].len, text + sp[0].start, want);
}

static void expect_none(const char *text)
{
    ds_pii_span sp[4];
    size_t n = ds_pii_scan(text, strlen(text), sp, 4);
    if (n != 0)
        fail_msg("'%s': flagged '%.*s' as %s", text, (int)sp[0].len, text + sp[0].start,
                 ds_pii_kind_name(sp[0].kind));
}

static void test_email(void **state)
{
    (void)state;
    expect_hit("write to jane.doe+news@mail.example.co.uk.", DS_PII_EMAIL,
               "jane.doe+news@mail.example.co.uk");
    expect_hit("<bob@example.org>", DS_PII_EMAIL, "bob@example.org");
    expect_none("@decorator on user@localhost and pkg@1.2.3");
    expect_none("an @ sign alone, x@y, a@b.c");
}

static void test_phone(void **state)
{
    (void)state;
    expect_hit("call (555) 123-4567 today", DS_PII_PHONE, "(555) 123-4567");
    expect_hit("tel: 555-123-4567", DS_PII_PHONE, "555-123-4567");
    expect_hit("UK +44 20 7946 0958.", DS_PII_PHONE, "+44 20 7946 0958");
    expect_hit("+33 1 23 45 67 89", DS_PII_PHONE, "+33 1 23 45 67 89");
    expect_none("id 1234567890 at 2023-01-15 12:30:00");
    expect_none("ip 192.168.100.200, pi 3.14159265359, 0.000621371 miles");
    expect_none("ISBN 978-3-16-148410-0 and 1 000 000 000 people");
}

static void test_card(void **state)
{
    (void)state;
    expect_hit("card 4111 1111 1111 1111 exp 12/29", DS_PII_CARD, "4111 1111 1111 1111");
    expect_hit("5500-0000-0000-0004", DS_PII_CARD, "5500-0000-0000-0004");
    expect_hit("amex 378282246310005.", DS_PII_CARD, "378282246310005");
    expect_none("4111 1111 1111 1112");          /* fails Luhn */
    expect_none("0000 0000 0000 0000");          /* one digit repeated */
    expect_none("order 12345678901234567890123"); /* too long */
    assert_true(ds_pii_luhn("79927398713", 11));
    assert_false(ds_pii_luhn("79927398710", 11));
    assert_false(ds_pii_luhn("", 0));
}

static void test_api_key(void **state)
{
    (void)state;
    expect_hit("aws AKIAIOSFODNN7EXAMPLE key", DS_PII_API_KEY, "AKIAIOSFODNN7EXAMPLE");
    expect_hit("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuv123", DS_PII_API_KEY,
               "sk-proj-abcdefghijklmnopqrstuv123");
    expect_hit("token ghp_1234567890abcdefghijklmnopqrstuvwxyz", DS_PII_API_KEY,
               "ghp_1234567890abcdefghijklmnopqrstuvwxyz");
    expect_hit("slack xoxb-123456789012-abcdefABCDEF", DS_PII_API_KEY,
               "xoxb-123456789012-abcdefABCDEF");
    expect_hit("AIzaSyA1234567890abcdefghijklmnopqrstuv", DS_PII_API_KEY,
               "AIzaSyA1234567890abcdefghijklmnopqrstuv");
    expect_none("pip install sk-learn; the task-sk-123; AKIA is short; ghp_short");
    expect_none("AKIAIOSFODNN7EXAMPLEX");       /* one character too long */
}

static void test_secret(void **state)
{
    (void)state;
    expect_hit("secret = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9Q3\";", DS_PII_SECRET,
               "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9Q3");
    expect_none("commit 3f2a9c4e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");     /* hex */
    expect_none("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    expect_none("getUserAccountBalanceForCustomerIdentifier2");
    expect_none("/home/User1/Documents/Projects2024/Report3/draft");
}

static void test_scan_cap_and_order(void **state)
{
    (void)state;
    const char *t = "a@b.io, c@d.io and 555-123-4567";
    ds_pii_span sp[2];
    assert_int_equal(ds_pii_scan(t, strlen(t), sp, 2), 3);
    assert_int_equal(sp[0].start, 0);
    assert_int_equal(sp[1].start, 8);
    assert_int_equal(ds_pii_scan(t, strlen(t), NULL, 0), 3);
    ds_pii_kind k;
    assert_int_equal(ds_pii_kind_parse("card", 4, &k), 0);
    assert_int_equal(k, DS_PII_CARD);
    assert_int_equal(ds_pii_kind_parse("cards", 5, &k), -1);
}

static ds_lang lang_of(const char *text)
{
    ds_record rec = {0};
    char json[512], why[128], err[128];
    snprintf(json, sizeof json, "{\"text\":\"%s\"}", text);
    assert_int_equal(ds_record_parse(json, strlen(json), DS_FMT_COMPLETION, NULL, &rec, why,
                                     sizeof why, NULL), 0);
    ds_feat_ctx *c = ds_feat_ctx_new(NULL, err, sizeof err);
    ds_features f;
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
    return f.lang;
}

static void test_lang(void **state)
{
    (void)state;
    assert_int_equal(lang_of("The quick brown fox jumps over the lazy dog."), DS_LANG_EN);
    assert_int_equal(lang_of("Où est la bibliothèque? Ça dépend, répondit-il."), DS_LANG_LATIN);
    assert_int_equal(lang_of("안녕하세요, 만나서 반갑습니다"), DS_LANG_KO);
    assert_int_equal(lang_of("今日は良い天気ですね。散歩に行きましょう"), DS_LANG_JA);
    assert_int_equal(lang_of("今天天气很好，我们去散步吧"), DS_LANG_ZH);
    assert_int_equal(lang_of("Привет, как дела? print(x)"), DS_LANG_RU);
    assert_int_equal(lang_of("مرحبا بالعالم"), DS_LANG_AR);
    assert_int_equal(lang_of("שלום עולם"), DS_LANG_HE);
    assert_int_equal(lang_of("Γειά σου κόσμε"), DS_LANG_EL);
    assert_int_equal(lang_of("สวัสดีครับ"), DS_LANG_TH);
    assert_int_equal(lang_of("नमस्ते दुनिया"), DS_LANG_HI);
    assert_int_equal(lang_of("12345 + 678 = ?"), DS_LANG_UND);
    ds_lang l;
    assert_int_equal(ds_lang_parse("ko", 2, &l), 0);
    assert_int_equal(l, DS_LANG_KO);
    assert_int_equal(ds_lang_parse("kor", 3, &l), -1);
}

static void parse(const char *json, ds_format fmt, ds_record *rec)
{
    char why[256];
    if (ds_record_parse(json, strlen(json), fmt, NULL, rec, why, sizeof why, NULL) != 0)
        fail_msg("%s: %s", json, why);
}

static void test_alpaca_features(void **state)
{
    (void)state;
    ds_record rec;
    parse("{\"instruction\":\"Say hi to ünïcode\",\"input\":\"  \\n\","
          "\"output\":\"hi\\u0001 there, mail me at a@b.io\"}", DS_FMT_ALPACA, &rec);
    char err[128];
    ds_feat_ctx *c = ds_feat_ctx_new(NULL, err, sizeof err);
    assert_non_null(c);
    ds_features f;
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    assert_int_equal(f.present, 0x7);
    assert_int_equal(f.empty, 1u << DS_FIELD_INPUT);
    assert_int_equal(f.chars[DS_FIELD_INSTRUCTION], 17);
    assert_int_equal(f.chars[DS_FIELD_INPUT], 3);
    assert_int_equal(f.chars[DS_FIELD_OUTPUT], 28);
    assert_int_equal(f.chars_total, 48);
    /* 15 ASCII bytes -> 4, plus 2 non-ASCII characters */
    assert_int_equal(f.tokens[DS_FIELD_INSTRUCTION], 6);
    assert_int_equal(f.tokens[DS_FIELD_INPUT], 1);
    assert_int_equal(f.tokens[DS_FIELD_OUTPUT], 7);
    assert_int_equal(f.tokens_total, 14);
    assert_false(f.tokens_exact);
    assert_int_equal(f.control, 1);
    assert_int_equal(f.invalid_utf8, 0);
    assert_int_equal(f.pii[DS_PII_EMAIL], 1);
    assert_int_equal(f.pii_total, 1);
    assert_int_equal(f.turns, 2);
    assert_int_equal(f.roles[DS_ROLE_USER], 1);
    assert_int_equal(f.roles[DS_ROLE_ASSISTANT], 1);
    assert_int_equal(f.lang, DS_LANG_LATIN);
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
    assert_int_equal(ds_tokens_estimate("abcdefghi", 9), 3);
    assert_int_equal(ds_tokens_estimate("\xff\xfe", 2), 2);
}

static void test_conversation_features(void **state)
{
    (void)state;
    ds_record rec;
    parse("{\"conversations\":[{\"from\":\"system\",\"value\":\"be brief\"},"
          "{\"from\":\"human\",\"value\":\"hi\"},{\"from\":\"gpt\",\"value\":\"hello\"},"
          "{\"from\":\"human\",\"value\":\"bye\"},{\"from\":\"gpt\",\"value\":\" \"}]}",
          DS_FMT_SHAREGPT, &rec);
    assert_int_equal(ds_record_piece_count(&rec), 5);
    ds_text x;
    assert_int_equal(ds_record_piece(&rec, 0, &x), DS_FIELD_SYSTEM);
    assert_int_equal(ds_record_piece(&rec, 2, &x), DS_FIELD_OUTPUT);
    assert_int_equal(x.len, 5);
    char err[128];
    ds_feat_ctx *c = ds_feat_ctx_new(NULL, err, sizeof err);
    ds_features f;
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    assert_int_equal(f.turns, 5);
    assert_int_equal(f.roles[DS_ROLE_SYSTEM], 1);
    assert_int_equal(f.roles[DS_ROLE_USER], 2);
    assert_int_equal(f.roles[DS_ROLE_ASSISTANT], 2);
    assert_int_equal(f.present, (1u << DS_FIELD_SYSTEM) | (1u << DS_FIELD_INSTRUCTION)
                                    | (1u << DS_FIELD_OUTPUT));
    assert_int_equal(f.empty, 1u << DS_FIELD_OUTPUT);
    assert_int_equal(f.chars[DS_FIELD_INSTRUCTION], 5);
    assert_int_equal(f.chars[DS_FIELD_OUTPUT], 6);
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
    ds_field fl;
    assert_int_equal(ds_field_parse("assistant", 9, &fl), 0);
    assert_int_equal(fl, DS_FIELD_OUTPUT);
    assert_int_equal(ds_field_parse("outputs", 7, &fl), -1);
}

static void test_vocab_tokens(void **state)
{
    (void)state;
    char path[1024], err[512], *tmpl = NULL;
    snprintf(path, sizeof path, "%s/samples/data/vocab.gguf", getenv("LATHE_SRCDIR"));
    tok_vocab *v = tok_vocab_load(path, &tmpl, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    ds_record rec;
    parse("{\"instruction\":\"hello world\",\"output\":\"the the the\"}", DS_FMT_ALPACA, &rec);
    ds_feat_ctx *c = ds_feat_ctx_new(v, err, sizeof err);
    ds_features f;
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    assert_true(f.tokens_exact);
    tok_session *s = tok_session_new(v, err, sizeof err);
    tok_ids ids = {0};
    assert_int_equal(tok_encode(s, "the the the", 11, false, false, &ids, err, sizeof err), 0);
    assert_int_equal(f.tokens[DS_FIELD_OUTPUT], ids.n);
    assert_int_equal(f.tokens[DS_FIELD_INPUT], 0);
    assert_int_equal(f.tokens_total, f.tokens[DS_FIELD_INSTRUCTION] + ids.n);
    tok_ids_free(&ids);
    tok_session_free(s);
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
    tok_vocab_free(v);
    free(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_card),
        cmocka_unit_test(test_api_key),
        cmocka_unit_test(test_secret),
        cmocka_unit_test(test_scan_cap_and_order),
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_alpaca_features),
        cmocka_unit_test(test_conversation_features),
        cmocka_unit_test(test_vocab_tokens),
    };
    return cmocka_run_group_tests_name("ds_features", tests, NULL, NULL);
}
