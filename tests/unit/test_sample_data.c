/* test_sample_data.c - the bundled sample's data: the committed alpaca JSONL
 * files parse and hold instruction/input/output strings, every answer is
 * right (recomputed here from the question, facts from the world), train and
 * held-out share no question, the files are what `make sample-data` writes,
 * the pretraining text states only true facts and sums, and its question
 * sheets ask train questions but never a held-out one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instruct.h"
#include "pretrain.h"
#include "world.h"

/* The seeds and held-out count of the sample-data rule in Makefile.am. */
#define INSTRUCT_SEED 11
#define HELDOUT_COUNT 200
#define PRETRAIN_SEED 7

static world w;

static int setup(void **state)
{
    (void)state;
    world_make(&w, WORLD_SAMPLE_SEED);
    return 0;
}

static char *read_all(const char *name, size_t *len)
{
    const char *src = getenv("LATHE_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/samples/data/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        char *b = realloc(buf, cap += 1 << 20);
        assert_non_null(b);
        buf = b;
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* -1 unless s is "0".."999" in digits or in words. */
static int parse_number(const char *s)
{
    char buf[64];
    if (isdigit((unsigned char)s[0])) {
        char *end;
        long v = strtol(s, &end, 10);
        return *end ? -1 : (int)v;
    }
    for (int n = 0; n < 1000; n++)
        if (!strcmp(world_number_words(n, 0, buf, sizeof buf), s) ||
            !strcmp(world_number_words(n, 1, buf, sizeof buf), s))
            return n;
    return -1;
}

/* The person a question in the form fmt (one %63s-like conversion, then
 * %n) asks about, when the whole question matches; -1 otherwise. */
static int person(const char *instr, const char *fmt)
{
    char name[64];
    int end = -1;
    if (sscanf(instr, fmt, name, &end) != 1 || end != (int)strlen(instr))
        return -1;
    return world_find(&w, name);
}

/* 1 when the answer to a fact question is right, 0 when wrong, -1 when the
 * instruction is not a fact question. */
static int check_fact(const char *in, const char *out)
{
    int p;
    if ((p = person(in, "Where does %63s live?%n")) >= 0 ||
        (p = person(in, "In which city does %63s live?%n")) >= 0)
        return !strcmp(out, world_cities[w.people[p].city]);
    if ((p = person(in, "What is %63[^']'s favourite colour?%n")) >= 0)
        return !strcmp(out, world_colours[w.people[p].colour]);
    if ((p = person(in, "What pet does %63s have?%n")) >= 0)
        return !strcmp(out, world_animals[w.people[p].animal]);
    if ((p = person(in, "How old is %63[^?]?%n")) >= 0)
        return atoi(out) == w.people[p].age;
    if ((p = person(in, "Who is %63[^']'s sibling?%n")) >= 0)
        return !strcmp(out, w.people[w.people[p].sibling].name);
    if ((p = person(in, "Who is %63[^']'s best friend?%n")) >= 0)
        return !strcmp(out, w.people[w.people[p].friend].name);
    return -1;
}

static int check_arith(const char *in, const char *out)
{
    char a[32], op[16], b[32];
    int n;
    if (sscanf(in, "What is %31s %15s %31[^?]?", a, op, b) == 3) {
        int x = parse_number(a), y = parse_number(b);
        if (x < 0 || y < 0)
            return 0;
        int want = !strcmp(op, "plus") ? x + y : !strcmp(op, "minus") ? x - y : x * y;
        return (!strcmp(op, "plus") || !strcmp(op, "minus") || !strcmp(op, "times")) &&
               want >= 0 && parse_number(out) == want && isdigit((unsigned char)out[0]);
    }
    if (sscanf(in, "Write the number %d in words.", &n) == 1)
        return parse_number(out) == n && !isdigit((unsigned char)out[0]);
    return -1;
}

static int check_string(const char *in, const char *word, const char *out)
{
    size_t len = strlen(word);
    char want[64], c;
    if (!strcmp(in, "Reverse the word.")) {
        for (size_t i = 0; i < len; i++)
            want[i] = word[len - 1 - i];
        want[len] = '\0';
        return !strcmp(out, want);
    }
    if (!strcmp(in, "How many letters are in the word?"))
        return (size_t)atoi(out) == len;
    if (!strcmp(in, "Write the word in uppercase.")) {
        for (size_t i = 0; i <= len; i++)
            want[i] = (char)toupper((unsigned char)word[i]);
        return !strcmp(out, want);
    }
    if (sscanf(in, "How many times does the letter %c appear in the word?", &c) == 1) {
        int count = 0;
        for (size_t i = 0; i < len; i++)
            count += tolower((unsigned char)word[i]) == c;
        return count > 0 && atoi(out) == count;
    }
    return -1;
}

static int check_record(const char *in, const char *input, const char *out)
{
    if (input[0])
        return check_string(in, input, out);
    int r = check_fact(in, out);
    return r >= 0 ? r : check_arith(in, out);
}

typedef struct {
    char **keys;   /* instruction + "\n" + input */
    size_t n;
} keyset;

/* Parses and checks every line of a committed file, collecting its keys. */
static size_t check_file(const char *name, keyset *ks)
{
    size_t len;
    char *text = read_all(name, &len);
    size_t lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o)
            fail_msg("%s:%zu: %s", name, lines + 1, je.text);
        assert_true(json_is_object(o));
        assert_int_equal(json_object_size(o), 3);
        const char *in = json_string_value(json_object_get(o, "instruction"));
        const char *input = json_string_value(json_object_get(o, "input"));
        const char *out = json_string_value(json_object_get(o, "output"));
        assert_non_null(in);
        assert_non_null(input);
        assert_non_null(out);
        assert_true(out[0] != '\0');
        if (check_record(in, input, out) != 1)
            fail_msg("%s:%zu: wrong or unknown: %s | %s | %s", name, lines + 1, in, input, out);
        char **k = realloc(ks->keys, (ks->n + 1) * sizeof *k);
        assert_non_null(k);
        ks->keys = k;
        size_t kl = strlen(in) + strlen(input) + 2;
        assert_non_null(ks->keys[ks->n] = malloc(kl));
        snprintf(ks->keys[ks->n++], kl, "%s\n%s", in, input);
        json_decref(o);
    }
    free(text);
    return lines;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_keys(keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        free(ks->keys[i]);
    free(ks->keys);
}

static void test_committed_files_correct_and_disjoint(void **state)
{
    (void)state;
    keyset tr = {0}, ho = {0};
    size_t n_train = check_file("train.jsonl", &tr), n_held = check_file("heldout.jsonl", &ho);
    assert_int_equal(n_held, HELDOUT_COUNT);
    assert_true(n_train > 1000);
    qsort(tr.keys, tr.n, sizeof *tr.keys, cmp_str);
    for (size_t i = 1; i < tr.n; i++)
        assert_true(strcmp(tr.keys[i - 1], tr.keys[i]) != 0);
    for (size_t i = 0; i < ho.n; i++)
        assert_null(bsearch(&ho.keys[i], tr.keys, tr.n, sizeof *tr.keys, cmp_str));
    free_keys(&tr);
    free_keys(&ho);
}

static void test_checker_catches_wrong_answers(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "Where does %s live?", w.people[0].name);
    assert_int_equal(check_record(name, "", world_cities[w.people[0].city]), 1);
    assert_int_equal(check_record(name, "", world_cities[(w.people[0].city + 1) % WORLD_CITIES]),
                     0);
    assert_int_equal(check_record("What is 7 plus 5?", "", "12"), 1);
    assert_int_equal(check_record("What is seven plus five?", "", "13"), 0);
    assert_int_equal(check_record("Reverse the word.", "apple", "elppa"), 1);
    assert_int_equal(check_record("Reverse the word.", "apple", "apple"), 0);
    assert_int_equal(check_record("How many times does the letter p appear in the word?", "apple",
                                  "2"), 1);
    assert_int_equal(check_record("Write the number 42 in words.", "", "forty-two"), 1);
    assert_int_equal(check_record("Sing a song.", "", "la"), -1);
}

static char *render(const instruct_rec *r, size_t n, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(instruct_write_jsonl(f, r, n), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_files_are_what_make_writes(void **state)
{
    (void)state;
    size_t n, len, flen;
    instruct_rec *r = instruct_make(&w, INSTRUCT_SEED, &n);
    assert_non_null(r);
    char *held = render(r, HELDOUT_COUNT, &len), *file = read_all("heldout.jsonl", &flen);
    assert_int_equal(len, flen);
    assert_memory_equal(held, file, len);
    free(held);
    free(file);
    char *train = render(r + HELDOUT_COUNT, n - HELDOUT_COUNT, &len);
    file = read_all("train.jsonl", &flen);
    assert_int_equal(len, flen);
    assert_memory_equal(train, file, len);
    size_t vlen;
    free(read_all("vocab.gguf", &vlen));
    assert_true(flen + len + vlen < 2u << 20);
    free(train);
    free(file);
    free(r);
}

static char *pretrain(uint64_t seed, size_t bytes, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    pretrain_opts o = {seed, bytes, INSTRUCT_SEED, HELDOUT_COUNT};
    assert_int_equal(pretrain_write(f, &w, &o), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Checks the sentences of the text it can parse; returns how many. */
static size_t check_sentences(char *text)
{
    size_t checked = 0;
    for (char *s = strtok(text, ".\n"); s; s = strtok(NULL, ".\n")) {
        while (*s == ' ')
            s++;
        char a[64], b[64], c[64], op[16];
        int x, y, z, p;
        char sym;
        if (sscanf(s, "%63s lives in %63s", a, b) == 2 && (p = world_find(&w, a)) >= 0) {
            assert_string_equal(b, world_cities[w.people[p].city]);
        } else if (sscanf(s, "%d %c %d = %d", &x, &sym, &y, &z) == 4) {
            assert_int_equal(sym == '+' ? x + y : sym == '-' ? x - y : x * y, z);
        } else if (sscanf(s, "%63s %15s %63s is %63[^\n]", a, op, b, c) == 4 &&
                   parse_number(a) >= 0) {
            x = parse_number(a);
            y = parse_number(b);
            z = parse_number(c);
            assert_int_equal(!strcmp(op, "plus") ? x + y : !strcmp(op, "minus") ? x - y : x * y,
                             z);
        } else if (sscanf(s, "%63[^']'s best friend is %63[^\n]", a, b) == 2 &&
                   (p = world_find(&w, a)) >= 0) {
            const char *f = strncmp(b, "called ", 7) ? b : b + 7;
            assert_string_equal(f, w.people[w.people[p].friend].name);
        } else {
            continue;
        }
        checked++;
    }
    return checked;
}

static void test_pretrain_text(void **state)
{
    (void)state;
    size_t la, lb, lc;
    char *a = pretrain(PRETRAIN_SEED, 300000, &la), *b = pretrain(PRETRAIN_SEED, 300000, &lb);
    char *c = pretrain(PRETRAIN_SEED + 1, 300000, &lc);
    assert_true(la >= 300000);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    size_t checked = check_sentences(a);
    print_message("# %zu sentences checked\n", checked);
    assert_true(checked > 2500);
    free(a);
    free(b);
    free(c);
}

/* A held-out question as a sheet would write it: the instruction on its own
 * line, then the input after a blank line, then the line break before the
 * answer. */
static void sheet_form(const instruct_rec *x, char *b, size_t n)
{
    if (x->input[0])
        snprintf(b, n, "\n%s\n\n%s\n", x->instruction, x->input);
    else
        snprintf(b, n, "\n%s\n", x->instruction);
}

static void test_pretrain_asks_no_heldout_question(void **state)
{
    (void)state;
    size_t n, len;
    instruct_rec *r = instruct_make(&w, INSTRUCT_SEED, &n);
    assert_non_null(r);
    char *text = pretrain(PRETRAIN_SEED, 1000000, &len), b[256];
    for (size_t i = 0; i < HELDOUT_COUNT; i++) {
        sheet_form(&r[i], b, sizeof b);
        if (strstr(text, b))
            fail_msg("held-out question %zu is in the pretraining text: %s", i, b);
    }
    size_t asked = 0;
    for (size_t i = HELDOUT_COUNT; i < n; i++) {
        sheet_form(&r[i], b, sizeof b);
        asked += strstr(text, b) != NULL;
    }
    print_message("# %zu of %zu train questions asked in 1 MB\n", asked, n - HELDOUT_COUNT);
    assert_true(asked > (n - HELDOUT_COUNT) / 2);
    free(text);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_catches_wrong_answers),
        cmocka_unit_test(test_committed_files_correct_and_disjoint),
        cmocka_unit_test(test_files_are_what_make_writes),
        cmocka_unit_test(test_pretrain_text),
        cmocka_unit_test(test_pretrain_asks_no_heldout_question),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
