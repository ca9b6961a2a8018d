/* input.c - poll() over the terminal and the wake pipe. The pipe's ends are
 * non-blocking and close-on-exec (an $EDITOR started from the workbench must
 * not inherit them); writes that find it full are dropped, since one pending
 * byte already wakes the loop. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct input {
    int pipe[2];              /* [0] polled, [1] written by input_wake */
    int escdelay_ms;
    key_decode dec;
    char closed_why[128];
};

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
    return fl < 0 || fdfl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
           fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != 0 ? -1 : 0;
}

input *input_new(int escdelay_ms, char *err, size_t errlen)
{
    input *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (pipe(in->pipe) != 0) {
        snprintf(err, errlen, "cannot make the wake-up pipe: %s", strerror(errno));
        free(in);
        return NULL;
    }
    if (set_flags(in->pipe[0]) != 0 || set_flags(in->pipe[1]) != 0) {
        snprintf(err, errlen, "cannot set up the wake-up pipe: %s", strerror(errno));
        input_free(in);
        return NULL;
    }
    in->escdelay_ms = escdelay_ms;
    key_decode_init(&in->dec);
    return in;
}

void input_free(input *in)
{
    if (!in)
        return;
    close(in->pipe[0]);
    close(in->pipe[1]);
    free(in);
}

key_decode *input_decoder(input *in)
{
    return &in->dec;
}

void input_wake(input *in)
{
    int saved = errno;        /* safe in a signal handler */
    ssize_t rc = write(in->pipe[1], "w", 1);
    (void)rc;
    errno = saved;
}

int input_wake_fd(const input *in)
{
    return in->pipe[1];
}

static bool drain_pipe(input *in)
{
    char buf[64];
    bool any = false;
    while (read(in->pipe[0], buf, sizeof buf) > 0)
        any = true;
    return any;
}

/* One read of what poll said is there (it does not block); false once the
 * terminal is gone. */
static bool read_terminal(input *in, int fd)
{
    unsigned char buf[128];
    size_t room = key_decode_room(&in->dec);
    if (room == 0)
        return true;            /* the caller has keys to take first */
    ssize_t got = read(fd, buf, room < sizeof buf ? room : sizeof buf);
    if (got > 0) {
        key_decode_feed(&in->dec, buf, (size_t)got);
        return true;
    }
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    snprintf(in->closed_why, sizeof in->closed_why, "%s",
             got == 0 ? "end of input" : strerror(errno));
    return false;
}

unsigned input_wait(input *in, int fd, int timeout_ms)
{
    if (in->closed_why[0])
        return INPUT_CLOSED;
    bool pending = key_decode_pending(&in->dec);
    if (pending && (timeout_ms < 0 || timeout_ms > in->escdelay_ms))
        timeout_ms = in->escdelay_ms;
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = in->pipe[0], .events = POLLIN}};
    unsigned what = INPUT_TIMEOUT;
    int n = poll(p, 2, timeout_ms);
    if (n < 0)
        return errno == EINTR ? INPUT_WOKEN : INPUT_TIMEOUT;   /* a signal arrived */
    if (p[1].revents && drain_pipe(in))
        what |= INPUT_WOKEN;
    if (p[0].revents)
        what |= read_terminal(in, fd) ? INPUT_KEYS : INPUT_CLOSED;
    if (n == 0 && pending) {
        key_decode_flush(&in->dec);     /* nothing followed the ESC */
        what |= INPUT_KEYS;
    }
    return what;
}

bool input_key(input *in, int *key)
{
    return key_decode_next(&in->dec, key);
}

const char *input_closed_why(const input *in)
{
    return in->closed_why;
}
