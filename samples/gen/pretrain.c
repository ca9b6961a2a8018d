/* pretrain.c - the sample's pretraining text (see pretrain.h). Every
 * sentence is true in the world it is drawn from: the instruction dataset
 * asks about the same facts. Half the prose documents put one sentence on a
 * line, and a share are question-and-answer sheets in plain text built from
 * the instruction dataset's train split, so the words, line breaks and
 * question forms of the instruction prompts are known to the base model
 * while the held-out questions stay unseen. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "instruct.h"
#include "pretrain.h"

typedef struct {
    FILE *out;
    size_t written;
    int failed;
} sink;

static void say(sink *s, const char *text)
{
    size_t n = strlen(text);
    if (fwrite(text, 1, n, s->out) != n)
        s->failed = 1;
    s->written += n;
}

static int pick(world_rng *r, int n)
{
    return world_rng_below(r, n);
}

/* One sentence about fact k (0..5) of person p, in one of its phrasings. */
static void person_fact(sink *s, const world *w, int p, int k, world_rng *r, char *b, size_t n)
{
    const world_person *x = &w->people[p];
    const char *sib = w->people[x->sibling].name, *fr = w->people[x->friend].name;
    char num[64];
    int v = pick(r, 3);
    switch (k) {
    case 0: {
        const char *f[] = {"%s lives in %s.", "%s is from %s.", "The home of %s is %s."};
        snprintf(b, n, f[v], x->name, world_cities[x->city]);
        break;
    }
    case 1: {
        const char *f[] = {"%s's favourite colour is %s.", "%s likes the colour %s best.",
                           "The favourite colour of %s is %s."};
        snprintf(b, n, f[v], x->name, world_colours[x->colour]);
        break;
    }
    case 2: {
        const char *f[] = {"%s has a pet %s.", "%s keeps a %s at home.", "The pet of %s is a %s."};
        snprintf(b, n, f[v], x->name, world_animals[x->animal]);
        break;
    }
    case 3:
        if (v == 0)
            snprintf(b, n, "%s is %s years old.", x->name,
                     world_number_words(x->age, 0, num, sizeof num));
        else
            snprintf(b, n, v == 1 ? "%s is %d years old." : "The age of %s is %d.", x->name,
                     x->age);
        break;
    case 4: {
        const char *f[] = {"%s and %s are siblings.", "%s is the sibling of %s.",
                           "%s has a sibling called %s."};
        snprintf(b, n, f[v], x->name, sib);
        break;
    }
    default: {
        const char *f[] = {"%s's best friend is %s.", "The best friend of %s is %s.",
                           "%s's best friend is called %s."};
        snprintf(b, n, f[v], x->name, fr);
        break;
    }
    }
    say(s, b);
}

static void person_paragraph(sink *s, const world *w, world_rng *r, const char *sep)
{
    char b[256];
    int p = pick(r, WORLD_PEOPLE), facts[6] = {0, 1, 2, 3, 4, 5};
    for (int i = 5; i > 0; i--) {
        int j = pick(r, i + 1), t = facts[i];
        facts[i] = facts[j];
        facts[j] = t;
    }
    int count = 3 + pick(r, 4);
    for (int i = 0; i < count; i++) {
        if (i)
            say(s, sep);
        person_fact(s, w, p, facts[i], r, b, sizeof b);
    }
}

static void arithmetic_sentence(sink *s, world_rng *r, char *b, size_t n)
{
    char wa[64], wb[64], wc[64];
    int op = pick(r, 3), a, c, d;
    if (op == 2) {
        a = pick(r, 13);
        c = pick(r, 13);
        d = a * c;
    } else {
        a = pick(r, 21);
        c = pick(r, 21);
        if (op == 1 && c > a) {
            int t = a;
            a = c;
            c = t;
        }
        d = op == 0 ? a + c : a - c;
    }
    static const char *const word_op[] = {"plus", "minus", "times"};
    static const char sym_op[] = "+-*";
    if (pick(r, 2))
        snprintf(b, n, "%s %s %s is %s.", world_number_words(a, 1, wa, sizeof wa), word_op[op],
                 world_number_words(c, 0, wb, sizeof wb), world_number_words(d, 0, wc, sizeof wc));
    else
        snprintf(b, n, "%d %c %d = %d.", a, sym_op[op], c, d);
    say(s, b);
}

static void word_sentence(sink *s, const char *word, int k, char *b, size_t n)
{
    char tmp[64], num[64];
    size_t len = strlen(word);
    if (len >= sizeof tmp)
        len = sizeof tmp - 1;
    if (k == 0) {
        snprintf(b, n, "The word %s has %s letters.", word,
                 world_number_words((int)len, 0, num, sizeof num));
    } else if (k == 1) {
        for (size_t i = 0; i < len; i++)
            tmp[i] = word[len - 1 - i];
        tmp[len] = '\0';
        snprintf(b, n, "Backwards, %s is %s.", word, tmp);
    } else {
        for (size_t i = 0; i < len; i++)
            tmp[i] = (char)toupper((unsigned char)word[i]);
        tmp[len] = '\0';
        snprintf(b, n, "In capital letters, %s is %s.", word, tmp);
    }
    say(s, b);
}

static void word_paragraph(sink *s, const world *w, world_rng *r, const char *sep)
{
    char b[256];
    const char *word = world_word(w, (size_t)pick(r, (int)world_word_count(w)));
    int count = 1 + pick(r, 3), first = pick(r, 3);
    for (int i = 0; i < count; i++) {
        if (i)
            say(s, sep);
        word_sentence(s, word, (first + i) % 3, b, sizeof b);
    }
}

static void number_paragraph(sink *s, world_rng *r, const char *sep)
{
    char b[256], num[64];
    int count = 2 + pick(r, 3);
    for (int i = 0; i < count; i++) {
        int v = pick(r, 1000);
        snprintf(b, sizeof b, "%sThe number %d is written %s.", i ? sep : "", v,
                 world_number_words(v, 0, num, sizeof num));
        say(s, b);
    }
}

static void arithmetic_paragraph(sink *s, world_rng *r, const char *sep)
{
    char b[256];
    int count = 3 + pick(r, 5);
    for (int i = 0; i < count; i++) {
        if (i)
            say(s, sep);
        arithmetic_sentence(s, r, b, sizeof b);
    }
}

/* One question of the sheet: the instruction on its line, the input (if
 * any) after a blank line as in an alpaca prompt, then the answer on a line
 * of its own, bare or after an "Answer:" line. */
static void qa_item(sink *s, const instruct_rec *x, int labelled)
{
    if (labelled)
        say(s, "Question:\n");
    say(s, x->instruction);
    if (x->input[0]) {
        say(s, "\n\n");
        say(s, x->input);
    }
    say(s, labelled ? "\nAnswer:\n" : "\n");
    say(s, x->output);
}

/* A sheet of several questions (never one alone, so the base model does not
 * learn to stop after a single answer). */
static void qa_sheet(sink *s, const instruct_rec *qa, size_t n, world_rng *r)
{
    int count = 3 + pick(r, 4), labelled = pick(r, 2);
    for (int i = 0; i < count; i++) {
        if (i)
            say(s, "\n\n");
        qa_item(s, &qa[world_rng_next(r) % n], labelled);
    }
}

static void prose_document(sink *s, const world *w, world_rng *r, int kind)
{
    const char *sep = pick(r, 2) ? "\n" : " ";
    if (kind < 9)
        person_paragraph(s, w, r, sep);
    else if (kind < 15)
        arithmetic_paragraph(s, r, sep);
    else if (kind < 18)
        word_paragraph(s, w, r, sep);
    else
        number_paragraph(s, r, sep);
}

int pretrain_write(FILE *out, const world *w, const pretrain_opts *o)
{
    sink s = {out, 0, 0};
    size_t n;
    instruct_rec *recs = instruct_make(w, o->instruct_seed, &n);
    if (!recs || n <= o->heldout) {
        free(recs);
        return -1;
    }
    world_rng r;
    world_rng_init(&r, o->seed);
    while (s.written < o->bytes && !s.failed) {
        int kind = pick(&r, 28);
        if (kind < 20)
            prose_document(&s, w, &r, kind);
        else
            qa_sheet(&s, recs + o->heldout, n - o->heldout, &r);
        say(&s, PRETRAIN_SEPARATOR);
    }
    free(recs);
    return s.failed ? -1 : 0;
}
