/* prng.h - counter-based pseudo-random numbers for weight init and LoRA
 * dropout: splitmix64 of a key, so any element's draw is reproducible without
 * carrying generator state between steps or threads. */
#ifndef LATHE_PRNG_H
#define LATHE_PRNG_H

#include <math.h>
#include <stdint.h>

static inline uint64_t prng_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Uniform in [0, 1) with 24 bits, from a key. */
static inline float prng_uniform(uint64_t key)
{
    return (float)(prng_mix(key) >> 40) * (1.0f / 16777216.0f);
}

/* Standard normal from a key (Box-Muller on two derived draws). */
static inline float prng_normal(uint64_t key)
{
    double u1 = ((double)(prng_mix(key) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (double)(prng_mix(key ^ 0x5851f42d4c957f2dull) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

#endif
