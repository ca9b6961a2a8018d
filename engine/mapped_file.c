/* mapped_file.c - open, check and mmap a regular file, and the SIGBUS guard
 * that keeps a shrinking file from ending the process; see mapped_file.h.
 *
 * The guard's table is what the signal handler reads, so it is a fixed array
 * of atomics: a slot is claimed by a compare-and-swap of its base, then its
 * length is published; the handler ignores a slot whose length is 0. The
 * handler uses only async-signal-safe calls (mmap, sigaction). */
#include "mapped_file.h"
#include "file_read.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    _Atomic uintptr_t base;
    atomic_size_t len;
    atomic_bool lost;
} guard_slot;

static guard_slot slots[MAPPED_FILE_GUARDED];
static struct sigaction prev_action;
static uintptr_t page_mask;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

/* Zero pages over the mapping from the faulting page to its end. */
static bool replace_with_zeros(guard_slot *s, uintptr_t base, size_t len, uintptr_t addr)
{
    uintptr_t page = addr & ~page_mask;
    void *p = mmap((void *)page, base + len - page, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return false;
    atomic_store(&s->lost, true);
    return true;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t addr = (uintptr_t)si->si_addr;
    for (int i = 0; si->si_code > 0 && i < MAPPED_FILE_GUARDED; i++) {
        uintptr_t base = atomic_load(&slots[i].base);
        size_t len = atomic_load(&slots[i].len);
        if (len && addr >= base && addr - base < len) {
            if (replace_with_zeros(&slots[i], base, len, addr))
                return;
            break;
        }
    }
    if (prev_action.sa_flags & SA_SIGINFO) {
        prev_action.sa_sigaction(sig, si, ctx);
    } else if (prev_action.sa_handler != SIG_DFL && prev_action.sa_handler != SIG_IGN) {
        prev_action.sa_handler(sig);
    } else {
        /* The fault happens again on return and ends the process as it
         * would have without the guard. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGBUS, &dfl, NULL);
    }
}

void mapped_file_guard(void)
{
    pthread_mutex_lock(&guard_lock);
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur) == 0
        && !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)) {
        page_mask = (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
        prev_action = cur;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, NULL);
    }
    pthread_mutex_unlock(&guard_lock);
}

static void guard_add(const void *data, size_t size)
{
    mapped_file_guard();
    for (int i = 0; i < MAPPED_FILE_GUARDED; i++) {
        uintptr_t free_base = 0;
        if (atomic_compare_exchange_strong(&slots[i].base, &free_base, (uintptr_t)data)) {
            atomic_store(&slots[i].lost, false);
            atomic_store(&slots[i].len, size);
            return;
        }
    }
}

static guard_slot *slot_of(const void *data)
{
    for (int i = 0; data && i < MAPPED_FILE_GUARDED; i++)
        if (atomic_load(&slots[i].base) == (uintptr_t)data)
            return &slots[i];
    return NULL;
}

int mapped_file_map_fd(int fd, const char *path, size_t size, const void **data, char *err,
                       size_t errlen)
{
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map %zu bytes: %s", path, size, strerror(errno));
        return -1;
    }
    if (map)
        guard_add(map, size);
    *data = map;
    return 0;
}

int mapped_file_open(const char *path, const void **data, size_t *size, char *err, size_t errlen)
{
    char why[160];
    int fd = file_read_open(path, why, sizeof why);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, why);
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    else if ((rc = mapped_file_map_fd(fd, path, (size_t)st.st_size, data, err, errlen)) == 0)
        *size = (size_t)st.st_size;
    close(fd);
    return rc;
}

void mapped_file_close(const void *data, size_t size)
{
    if (!data || !size)
        return;
    guard_slot *s = slot_of(data);
    if (s) {
        atomic_store(&s->len, 0);
        atomic_store(&s->base, 0);
    }
    munmap((void *)data, size);
}

bool mapped_file_lost(const void *data)
{
    guard_slot *s = slot_of(data);
    return s && atomic_load(&s->lost);
}
