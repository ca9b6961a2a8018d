/* testdir.h - one private temporary directory per test program, created by the
 * cmocka group setup and removed, with everything in it, by the teardown. */
#ifndef LATHE_TESTDIR_H
#define LATHE_TESTDIR_H

/* cmocka group setup/teardown: $TMPDIR/lathe-test-XXXXXX (or /tmp). */
int testdir_setup(void **state);
int testdir_teardown(void **state);

/* The directory itself, and NAME inside it. Paths come from a small ring of
 * buffers, so a few may be used in one call. */
const char *testdir(void);
const char *testdir_path(const char *name);
/* Writes TEXT to NAME inside the directory (a failed write fails the test)
 * and returns its path, as testdir_path does. */
const char *testdir_write(const char *name, const char *text);

#endif
