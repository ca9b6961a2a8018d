/* instruct.c - the sample's instruction dataset (see instruct.h). Records
 * are enumerated exhaustively over small ranges and then shuffled, so the
 * held-out split, a prefix, shares no record with the train split. */
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "instruct.h"

typedef struct {
    instruct_rec *r;
    size_t n, cap;
} rec_list;

static instruct_rec *add(rec_list *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        instruct_rec *r = realloc(v->r, cap * sizeof *r);
        if (!r)
            return NULL;
        v->r = r;
        v->cap = cap;
    }
    instruct_rec *x = &v->r[v->n++];
    memset(x, 0, sizeof *x);
    return x;
}

#define ADD(v, x) \
    if (!((x) = add(v))) \
        return -1

static int facts(rec_list *v, const world *w)
{
    instruct_rec *x;
    for (int i = 0; i < WORLD_PEOPLE; i++) {
        const world_person *p = &w->people[i];
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Where does %s live?", p->name);
        snprintf(x->output, sizeof x->output, "%s", world_cities[p->city]);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "In which city does %s live?", p->name);
        snprintf(x->output, sizeof x->output, "%s", world_cities[p->city]);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "What is %s's favourite colour?", p->name);
        snprintf(x->output, sizeof x->output, "%s", world_colours[p->colour]);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "What pet does %s have?", p->name);
        snprintf(x->output, sizeof x->output, "%s", world_animals[p->animal]);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "How old is %s?", p->name);
        snprintf(x->output, sizeof x->output, "%d", p->age);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Who is %s's sibling?", p->name);
        snprintf(x->output, sizeof x->output, "%s", w->people[p->sibling].name);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Who is %s's best friend?", p->name);
        snprintf(x->output, sizeof x->output, "%s", w->people[p->friend].name);
    }
    return 0;
}

static int arithmetic(rec_list *v)
{
    instruct_rec *x;
    char wa[64], wb[64];
    for (int a = 0; a <= 20; a++)
        for (int b = 0; b <= 20; b++) {
            ADD(v, x);
            snprintf(x->instruction, sizeof x->instruction, "What is %d plus %d?", a, b);
            snprintf(x->output, sizeof x->output, "%d", a + b);
            if (b <= a) {
                ADD(v, x);
                snprintf(x->instruction, sizeof x->instruction, "What is %d minus %d?", a, b);
                snprintf(x->output, sizeof x->output, "%d", a - b);
            }
            if (a <= 12 && b <= 12) {
                ADD(v, x);
                snprintf(x->instruction, sizeof x->instruction, "What is %d times %d?", a, b);
                snprintf(x->output, sizeof x->output, "%d", a * b);
            }
            if (a <= 10 && b <= 10) {
                ADD(v, x);
                snprintf(x->instruction, sizeof x->instruction, "What is %s plus %s?",
                         world_number_words(a, 0, wa, sizeof wa),
                         world_number_words(b, 0, wb, sizeof wb));
                snprintf(x->output, sizeof x->output, "%d", a + b);
            }
        }
    for (int n = 0; n < 200; n++) {
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Write the number %d in words.", n);
        world_number_words(n, 0, x->output, sizeof x->output);
    }
    return 0;
}

static int strings(rec_list *v, const world *w, world_rng *r)
{
    instruct_rec *x;
    for (size_t i = 0; i < world_word_count(w); i++) {
        const char *word = world_word(w, i);
        size_t len = strlen(word);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Reverse the word.");
        snprintf(x->input, sizeof x->input, "%s", word);
        for (size_t k = 0; k < len && k + 1 < sizeof x->output; k++)
            x->output[k] = word[len - 1 - k];
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "How many letters are in the word?");
        snprintf(x->input, sizeof x->input, "%s", word);
        snprintf(x->output, sizeof x->output, "%zu", len);
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction, "Write the word in uppercase.");
        snprintf(x->input, sizeof x->input, "%s", word);
        for (size_t k = 0; k < len && k + 1 < sizeof x->output; k++)
            x->output[k] = (char)toupper((unsigned char)word[k]);
        char c = (char)tolower((unsigned char)word[world_rng_below(r, (int)len)]);
        int count = 0;
        for (size_t k = 0; k < len; k++)
            count += tolower((unsigned char)word[k]) == c;
        ADD(v, x);
        snprintf(x->instruction, sizeof x->instruction,
                 "How many times does the letter %c appear in the word?", c);
        snprintf(x->input, sizeof x->input, "%s", word);
        snprintf(x->output, sizeof x->output, "%d", count);
    }
    return 0;
}

instruct_rec *instruct_make(const world *w, uint64_t seed, size_t *n)
{
    rec_list v = {0};
    world_rng r;
    world_rng_init(&r, seed);
    if (facts(&v, w) != 0 || arithmetic(&v) != 0 || strings(&v, w, &r) != 0) {
        free(v.r);
        return NULL;
    }
    for (size_t i = v.n; i > 1; i--) {
        size_t j = (size_t)(world_rng_next(&r) % i);
        instruct_rec t = v.r[i - 1];
        v.r[i - 1] = v.r[j];
        v.r[j] = t;
    }
    *n = v.n;
    return v.r;
}

int instruct_write_jsonl(FILE *out, const instruct_rec *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "instruction", recs[i].instruction, "input",
                              recs[i].input, "output", recs[i].output);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)
                       : NULL;
        json_decref(o);
        if (!line)
            return -1;
        int bad = fputs(line, out) == EOF || fputc('\n', out) == EOF;
        free(line);
        if (bad)
            return -1;
    }
    return 0;
}
