/* data_editor.c - a text round trip through $EDITOR (see data_editor.h). */
#include "config.h"

#include "data_editor.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_read.h"

static int write_temp(char *path, size_t n, const char *text, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/lathe-record-XXXXXX.json", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
        done += (size_t)w;
    }
    close(fd);
    return 0;
}

/* Runs the editor on PATH with the terminal handed over; the exit status.
 * $VISUAL or $EDITOR is shell text, as git takes it: `vi -c 'normal! ggdG'`
 * is a command and its quoted argument, so it goes into the `sh -c` command
 * line as written, with the file as "$@". Like system(), the workbench
 * ignores Ctrl-C and Ctrl-\ meanwhile: they are the editor's (the workbench
 * would take them as quitting). */
static int run_editor(const char *path)
{
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    char *cmd;
    if (asprintf(&cmd, "%s \"$@\"", editor) < 0)
        return -1;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigemptyset(&ign.sa_mask);
    def_prog_mode();
    endwin();
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, editor, path, (char *)NULL);
        _exit(127);
    }
    free(cmd);
    int status = -1;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    reset_prog_mode();      /* the pane asks the screen for a full repaint */
    if (pid < 0)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int data_editor_run(const char *text, char **out, char *err, size_t errlen)
{
    char path[4096];
    *out = NULL;
    if (write_temp(path, sizeof path, text, err, errlen) != 0)
        return -1;
    int status = run_editor(path);
    if (status != 0) {
        snprintf(err, errlen, "the editor exited with status %d: nothing changed", status);
        unlink(path);
        return -1;
    }
    size_t len;
    *out = file_read_path(path, &len, err, errlen);
    unlink(path);
    return *out ? 0 : -1;
}
