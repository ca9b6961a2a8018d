/* detach.h - a workbench that can leave a run training after the user quits
 * or the terminal goes away. The shell that started lathe waits for that
 * process, and a process with a trainer thread cannot fork into the
 * background; so the process the shell knows starts the workbench again as
 * its child (the same program and arguments) and only waits for it: it
 * passes its signals on and ends with the child's exit status, or, when the
 * child leaves the terminal with a run still to finish, at once with status
 * 0, giving the shell its prompt back while the child trains on. */
#ifndef LATHE_DETACH_H
#define LATHE_DETACH_H

/* First thing the workbench does. In the process the shell started: runs
 * the workbench as a child, waits for it, and returns 1 with *STATUS, the
 * exit status to end with (a child killed by a signal is killed again here
 * by the same signal). In that child, or when no child can be started (the
 * workbench then runs here, and a run left in the background keeps the
 * shell waiting): returns 0. */
int detach_launch(int *status);

/* Leaves the terminal: a session of its own, standard input, output and
 * error on /dev/null, SIGHUP and SIGPIPE ignored, and the waiting process
 * told to end (status 0). Async-signal-safe calls only. */
void detach_now(void);

#endif
