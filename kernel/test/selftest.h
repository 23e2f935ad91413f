/* The boot-time self-tests: one ordered table, identical on every machine. */
#ifndef TEST_SELFTEST_H
#define TEST_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

/* A test returns NULL when it passed, else a one-line reason. */
typedef const char *(*selftest_fn)(void);

/* Formats a failure reason into a static buffer and returns it. */
__attribute__((format(printf, 1, 2))) const char *fail(const char *fmt, ...);
/* Prints an indented note under the current test (e.g. "not supported"). */
void test_note(const char *msg);

/* Runs every test in order; returns the number that failed. */
int selftest_run(void);

#endif
