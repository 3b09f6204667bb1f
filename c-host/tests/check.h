/* check.h: the few assertion macros the C tests share. Failures are counted, not fatal, and
 * check_report() ends the run with the line "N passed, N failed". */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

#include "rustplugin.h"

static int checks_passed;
static int checks_failed;

#define CHECK(cond)                                                       \
  do {                                                                    \
    if (cond) {                                                           \
      checks_passed++;                                                    \
    } else {                                                              \
      checks_failed++;                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                     \
  } while (0)

/* Checks that `expr` returns status `expected`; on a mismatch, prints both names and the message. */
#define CHECK_STATUS(expr, expected)                                                  \
  do {                                                                                \
    rp_status check_status_ = (expr);                                                 \
    if (check_status_ == (expected)) {                                                \
      checks_passed++;                                                                \
    } else {                                                                          \
      checks_failed++;                                                                \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__, \
              __LINE__, #expr, rp_status_name(check_status_), rp_status_name(expected),   \
              rp_last_error_message());                                               \
    }                                                                                 \
  } while (0)

static int check_report(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

#endif /* CHECK_H */
