/* clock.h - the one monotonic clock lathe measures time with: elapsed times
 * (a step, a frame, a benchmark) and the deadlines of timed waits. Monotonic,
 * so neither NTP nor a user setting the date can make a duration negative. */
#ifndef LATHE_CLOCK_H
#define LATHE_CLOCK_H

#include <time.h>

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double clock_s(void);
/* The same in milliseconds. */
double clock_ms(void);
/* The CLOCK_MONOTONIC time SECONDS from now, for pthread_cond_timedwait on a
 * condition variable made with pthread_condattr_setclock(CLOCK_MONOTONIC). */
struct timespec clock_deadline(double seconds);

#endif
