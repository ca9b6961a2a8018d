/* world.h - the invented world the bundled sample talks about: people with
 * a home city, a favourite colour, a pet, an age, a sibling and a best
 * friend, all drawn from a seed, plus the number words and the word list the
 * sample's pretraining text and instruction dataset share. */
#ifndef LATHE_SAMPLE_WORLD_H
#define LATHE_SAMPLE_WORLD_H

#include <stddef.h>
#include <stdint.h>

#define WORLD_PEOPLE 48
#define WORLD_CITIES 12
#define WORLD_COLOURS 10
#define WORLD_ANIMALS 12

/* The seed of the world the committed sample data describes. */
#define WORLD_SAMPLE_SEED 1

typedef struct {
    const char *name;
    int city, colour, animal, age;
    int sibling, friend;   /* indices into people */
} world_person;

typedef struct {
    world_person people[WORLD_PEOPLE];
} world;

extern const char *const world_cities[WORLD_CITIES];
extern const char *const world_colours[WORLD_COLOURS];
extern const char *const world_animals[WORLD_ANIMALS];

/* A deterministic random stream: the same seed gives the same draws. */
typedef struct {
    uint64_t seed, n;
} world_rng;

void world_rng_init(world_rng *r, uint64_t seed);
uint64_t world_rng_next(world_rng *r);
/* Uniform in [0, n), n > 0. */
int world_rng_below(world_rng *r, int n);

void world_make(world *w, uint64_t seed);
/* Index of the person named name, or -1. */
int world_find(const world *w, const char *name);

/* English words for 0 <= n <= 999 ("forty-two", "three hundred and five"),
 * with the first letter upper-cased when cap; returns buf. */
char *world_number_words(int n, int cap, char *buf, size_t size);

/* The words string tasks are asked about: names, cities, colours, animals
 * and some everyday words. */
size_t world_word_count(const world *w);
const char *world_word(const world *w, size_t i);

#endif
