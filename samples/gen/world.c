/* world.c - the sample's invented world, drawn from a seed (see world.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "prng.h"
#include "world.h"

static const char *const names[WORLD_PEOPLE] = {
    "Alma", "Bruno", "Cora", "Dario", "Edda", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Kira", "Lev", "Mara", "Nils", "Oda", "Pavel", "Quinn", "Rosa", "Sami", "Tilda",
    "Udo", "Vera", "Wim", "Xenia", "Yusuf", "Zora", "Anton", "Bea", "Cyril", "Dina",
    "Emil", "Frida", "Gus", "Hanna", "Ivo", "Jana", "Kai", "Lina", "Milo", "Nora",
    "Otto", "Pia", "Rafi", "Sina", "Theo", "Ulla", "Vito", "Wanda",
};

const char *const world_cities[WORLD_CITIES] = {
    "Varno", "Kesh", "Talemor", "Brisk", "Olvend", "Mirra",
    "Duskhold", "Pellin", "Zarn", "Quillby", "Estmere", "Rook",
};

const char *const world_colours[WORLD_COLOURS] = {
    "red", "blue", "green", "yellow", "purple", "orange", "white", "black", "grey", "pink",
};

const char *const world_animals[WORLD_ANIMALS] = {
    "cat", "dog", "horse", "owl", "fox", "rabbit", "goat", "parrot", "turtle", "mouse",
    "hedgehog", "donkey",
};

static const char *const everyday[] = {
    "apple", "river", "window", "garden", "lamp", "bread", "stone", "winter", "summer",
    "kettle", "pencil", "mountain", "bridge", "candle", "forest", "letter", "market",
    "paper", "banana", "teacher", "basket", "cloud", "ladder", "mirror", "pocket",
    "rocket", "saddle", "tunnel", "violin", "wagon", "towel", "zipper", "honey", "island",
    "jacket", "button", "carpet", "dinner", "engine", "feather",
};

void world_rng_init(world_rng *r, uint64_t seed)
{
    r->seed = prng_mix(seed);
    r->n = 0;
}

uint64_t world_rng_next(world_rng *r)
{
    return prng_mix(r->seed ^ prng_mix(r->n++));
}

int world_rng_below(world_rng *r, int n)
{
    return (int)(world_rng_next(r) % (uint64_t)n);
}

void world_make(world *w, uint64_t seed)
{
    world_rng r;
    world_rng_init(&r, seed);
    int order[WORLD_PEOPLE];
    for (int i = 0; i < WORLD_PEOPLE; i++) {
        world_person *p = &w->people[i];
        p->name = names[i];
        p->city = world_rng_below(&r, WORLD_CITIES);
        p->colour = world_rng_below(&r, WORLD_COLOURS);
        p->animal = world_rng_below(&r, WORLD_ANIMALS);
        p->age = 18 + world_rng_below(&r, 63);
        order[i] = i;
    }
    for (int i = WORLD_PEOPLE - 1; i > 0; i--) {
        int j = world_rng_below(&r, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* siblings come in pairs; a best friend is anyone else */
    for (int i = 0; i < WORLD_PEOPLE; i += 2) {
        w->people[order[i]].sibling = order[i + 1];
        w->people[order[i + 1]].sibling = order[i];
    }
    for (int i = 0; i < WORLD_PEOPLE; i++) {
        int f;
        do
            f = world_rng_below(&r, WORLD_PEOPLE);
        while (f == i || f == w->people[i].sibling);
        w->people[i].friend = f;
    }
}

int world_find(const world *w, const char *name)
{
    for (int i = 0; i < WORLD_PEOPLE; i++)
        if (!strcmp(w->people[i].name, name))
            return i;
    return -1;
}

static const char *const ones[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
};
static const char *const tens[] = {
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};

static size_t under_hundred(int n, char *buf, size_t size)
{
    int k;
    if (n < 20)
        k = snprintf(buf, size, "%s", ones[n]);
    else if (n % 10 == 0)
        k = snprintf(buf, size, "%s", tens[n / 10]);
    else
        k = snprintf(buf, size, "%s-%s", tens[n / 10], ones[n % 10]);
    return k < 0 ? 0 : (size_t)k;
}

char *world_number_words(int n, int cap, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (n >= 100) {
        int k = snprintf(buf, size, "%s hundred", ones[n / 100]);
        if (n % 100 && k > 0 && (size_t)k < size) {
            k += snprintf(buf + k, size - (size_t)k, " and ");
            if ((size_t)k < size)
                under_hundred(n % 100, buf + k, size - (size_t)k);
        }
    } else {
        under_hundred(n, buf, size);
    }
    if (cap && buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

#define N_EVERYDAY (sizeof everyday / sizeof *everyday)

size_t world_word_count(const world *w)
{
    (void)w;
    return WORLD_PEOPLE + WORLD_CITIES + WORLD_COLOURS + WORLD_ANIMALS + N_EVERYDAY;
}

const char *world_word(const world *w, size_t i)
{
    if (i < WORLD_PEOPLE)
        return w->people[i].name;
    i -= WORLD_PEOPLE;
    if (i < WORLD_CITIES)
        return world_cities[i];
    i -= WORLD_CITIES;
    if (i < WORLD_COLOURS)
        return world_colours[i];
    i -= WORLD_COLOURS;
    if (i < WORLD_ANIMALS)
        return world_animals[i];
    i -= WORLD_ANIMALS;
    return i < N_EVERYDAY ? everyday[i] : NULL;
}
