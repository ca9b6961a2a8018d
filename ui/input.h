/* input.h - everything that wakes the workbench's loop, in one poll(): the
 * terminal's bytes (decoded into keys by key_decode.h, the one key reader of
 * the UI) and a wake-up pipe that any thread, or a signal handler, writes to
 * so that a streamed token or a new metric is drawn at once instead of at the
 * next tick.
 *
 * The terminal descriptor is only read after poll says it is readable, never
 * switched to non-blocking (the shell shares it). End of input and read
 * errors (EIO once the terminal has hung up) close the input for good. */
#ifndef LATHE_INPUT_H
#define LATHE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "key_decode.h"

typedef struct input input;

/* A lone ESC waits ESCDELAY_MS for the rest of a sequence. NULL with ERR
 * when the pipe cannot be made. */
input *input_new(int escdelay_ms, char *err, size_t errlen);
void input_free(input *in);
/* Its key decoder, for terminfo's sequences (key_decode_add). */
key_decode *input_decoder(input *in);

/* From any thread, or from a signal handler: the current or next input_wait
 * returns at once. */
void input_wake(input *in);
/* The pipe's write end, for signal handlers that hold no input pointer:
 * write one byte to it (errors ignored) to wake the loop. */
int input_wake_fd(const input *in);

enum {
    INPUT_TIMEOUT = 0,
    INPUT_KEYS = 1 << 0,     /* input_key has keys */
    INPUT_WOKEN = 1 << 1,    /* input_wake was called */
    INPUT_CLOSED = 1 << 2,   /* the terminal is gone; input_closed_why says how */
};

/* Waits up to TIMEOUT_MS (-1: no limit) for bytes on FD or a wake-up, reads
 * what is there and decodes it; returns the INPUT_ flags of what happened.
 * A lone ESC is held back until the escape delay has passed without more. */
unsigned input_wait(input *in, int fd, int timeout_ms);
/* The next key read, or false. */
bool input_key(input *in, int *key);
/* "end of input" or the read error, once INPUT_CLOSED was returned. */
const char *input_closed_why(const input *in);

#endif
