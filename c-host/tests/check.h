/* check.h: the few assertion macros the C tests share. Failures are counted, not fatal, and
 * check_report() ends the run with the line "N passed, N failed". */
#ifndef CHECK_H
#define CHECK_H

#include <limits.h>
#include <stdio.h>
#include <string.h>

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

/* How a failed CHECK_STATUS names statuses and finds the message: the user manager library's by
 * default; a test of other libraries defines both before including this file. */
#ifndef CHECK_STATUS_NAME
#define CHECK_STATUS_NAME rp_status_name
#define CHECK_LAST_ERROR rp_last_error_message()
#endif

/* Checks that `expr` returns status `expected`; on a mismatch, prints both names and the message. */
#define CHECK_STATUS(expr, expected)                                                  \
  do {                                                                                \
    rp_status check_status_ = (expr);                                                 \
    if (check_status_ == (expected)) {                                                \
      checks_passed++;                                                                \
    } else {                                                                          \
      checks_failed++;                                                                \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__, \
              __LINE__, #expr, CHECK_STATUS_NAME(check_status_), CHECK_STATUS_NAME(expected), \
              CHECK_LAST_ERROR);                                                      \
    }                                                                                 \
  } while (0)

/* 1 if /proc/self/maps maps the file `path` (an absolute path), 0 if not, -1 if maps is unreadable. */
static inline int path_is_mapped(const char *path) {
  char line[PATH_MAX + 256];
  int mapped = 0;
  FILE *maps = fopen("/proc/self/maps", "r");
  if (maps == NULL) return -1;
  while (fgets(line, sizeof line, maps) != NULL) {
    if (strstr(line, path) != NULL) mapped = 1;
  }
  fclose(maps);
  return mapped;
}

static int check_report(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

#endif /* CHECK_H */
