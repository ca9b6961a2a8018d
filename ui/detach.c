/* detach.c - the workbench run as a child of a process that only waits
 * for it (detach.h). The child is started with fork and exec of
 * /proc/self/exe, not fork alone: the process already has OpenBLAS's
 * threads, and a forked copy of a threaded process may only exec. The
 * child finds the descriptor to report on in its environment. */
#include "config.h"

#include "detach.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_read.h"

#define DETACH_ENV "LATHE_DETACH_FD"

extern char **environ;

static int notify_fd = -1;              /* the child's end of the pipe */
static volatile sig_atomic_t child_pid;

/* argv from /proc/self/cmdline (NUL-separated), in one malloc'd block:
 * the pointers, then the bytes. NULL on failure. */
static char **own_argv(void)
{
    size_t len = 0;
    char *text = file_read_path("/proc/self/cmdline", &len, NULL, 0);
    if (!text)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\0';
    char **argv = malloc((n + 1) * sizeof *argv + len);
    if (argv && n > 0) {
        char *bytes = (char *)(argv + n + 1);
        memcpy(bytes, text, len);
        for (size_t i = 0, k = 0; k < n; k++, i += strlen(bytes + i) + 1)
            argv[k] = bytes + i;
        argv[n] = NULL;
    } else {
        free(argv);
        argv = NULL;
    }
    free(text);
    return argv;
}

/* The environment plus DETACH_ENV=FD, made before fork (the child only
 * execs). */
static char **child_env(int fd, char *var, size_t varlen)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = malloc((n + 2) * sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], DETACH_ENV "=", sizeof DETACH_ENV))
            env[k++] = environ[i];
    snprintf(var, varlen, "%s=%d", DETACH_ENV, fd);
    env[k++] = var;
    env[k] = NULL;
    return env;
}

static void forward(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

/* The terminal's own signals (Ctrl-C, Ctrl-\) reach the child directly, as
 * it shares this process group; the rest are passed on. */
static void wait_signals(void)
{
    static const int passed[] = {SIGHUP, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
                                 SIGSEGV, SIGBUS, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = forward;
    /* No SA_RESTART: the wait below returns EINTR and loops, so a runtime
     * that defers handlers to the return from a call (TSan) runs them. */
    sa.sa_flags = 0;
    for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
        sigaction(passed[i], &sa, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

/* The child's exit status, once it ended or left the terminal. */
static int wait_child(pid_t pid, int fd)
{
    char c;
    ssize_t got;
    do
        got = read(fd, &c, 1);
    while (got < 0 && errno == EINTR);
    close(fd);
    if (got == 1)
        return 0;   /* it left the terminal and goes on */
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (!WIFSIGNALED(st))
        return 1;
    int sig = WTERMSIG(st);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return 128 + sig;
}

int detach_launch(int *status)
{
    const char *env = getenv(DETACH_ENV);
    if (env) {
        notify_fd = atoi(env);
        unsetenv(DETACH_ENV);
        fcntl(notify_fd, F_SETFD, FD_CLOEXEC);
        return 0;
    }
    char **argv = own_argv();
    int fds[2];
    char var[64];
    char **envp = NULL;
    if (!argv || pipe(fds) != 0) {
        free(argv);
        return 0;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    envp = child_env(fds[1], var, sizeof var);
    pid_t pid = envp ? fork() : -1;
    if (pid == 0) {
        close(fds[0]);
        execve("/proc/self/exe", argv, envp);
        _exit(127);
    }
    free(argv);
    free(envp);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return 0;
    }
    child_pid = pid;
    wait_signals();
    *status = wait_child(pid, fds[0]);
    return 1;
}

void detach_now(void)
{
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    if (notify_fd >= 0) {
        ssize_t rc = write(notify_fd, "d", 1);
        (void)rc;
        close(notify_fd);
        notify_fd = -1;
    }
}
