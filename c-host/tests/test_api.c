/*
 * test_api: every export of rustplugin.h, with good and bad input. Each bad input must give its
 * status code and a useful last-error message, leave out-params untouched, and crash nothing.
 * `make test` runs it under ASan+UBSan and under valgrind memcheck.
 *
 * usage: test_api DEMO_USERS.json GENERATED_USERS.json SCRATCH_DIR
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rustplugin.h"

#define EINSTEIN_ID "4c510ada-c86b-4815-8820-42cdf82c3d51"

/* A sentinel that no call may write over on failure. */
static const rp_user sentinel_user;
#define UNTOUCHED (&sentinel_user)

static int message_contains(const char *needle) {
  const char *message = rp_last_error_message();
  if (strstr(message, needle) != NULL) return 1;
  fprintf(stderr, "  last error \"%s\" lacks \"%s\"\n", message, needle);
  return 0;
}

static int str_eq(rp_str view, const char *expected) {
  return view.len == strlen(expected) && memcmp(view.ptr, expected, view.len) == 0;
}

static rp_str bytes(const char *ptr, size_t len) {
  rp_str view;
  view.ptr = ptr;
  view.len = len;
  return view;
}

static void test_add_and_versions(void) {
  size_t i;
  static const rp_status statuses[] = {RP_OK, RP_NOT_FOUND, RP_INVALID_ARGUMENT, RP_INVALID_UTF8,
                                       RP_UNKNOWN_CLAIM, RP_IO, RP_PARSE, RP_BUFFER_TOO_SMALL,
                                       RP_PANIC, RP_ABI_MISMATCH, RP_PLUGIN_FAILED,
                                       RP_NOT_A_FILE, RP_TOO_LARGE};
  static const char *const names[] = {"RP_OK", "RP_NOT_FOUND", "RP_INVALID_ARGUMENT",
                                      "RP_INVALID_UTF8", "RP_UNKNOWN_CLAIM", "RP_IO", "RP_PARSE",
                                      "RP_BUFFER_TOO_SMALL", "RP_PANIC", "RP_ABI_MISMATCH",
                                      "RP_PLUGIN_FAILED", "RP_NOT_A_FILE", "RP_TOO_LARGE"};

  CHECK(Add(1, 2) == 3);
  CHECK(Add(-5, 3) == -2);
  CHECK(Add(INT64_MAX, 1) == INT64_MIN); /* wraps, like Go */

  CHECK(strcmp(rp_version(), RP_VERSION) == 0);
  for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    CHECK(strcmp(rp_status_name(statuses[i]), names[i]) == 0);
  }
  CHECK(strcmp(rp_status_name(-1), "RP_UNKNOWN_STATUS") == 0);
  CHECK(strcmp(rp_status_name(INT32_MAX), "RP_UNKNOWN_STATUS") == 0);
  CHECK(rp_last_error_message() != NULL && rp_last_error_message()[0] == '\0');
}

static void test_descriptor(void) {
  const rp_plugin_descriptor *api = rp_plugin_get_descriptor();
  rp_plugin_descriptor copy;
  rp_user_manager *manager = NULL;
  const rp_user *user = NULL;

  CHECK(api != NULL);
  CHECK_STATUS(rp_plugin_check_descriptor(api), RP_OK);
  CHECK(api->abi_version_major == RP_ABI_VERSION_MAJOR);
  CHECK(api->abi_version_minor == RP_ABI_VERSION_MINOR);
  CHECK(api->struct_size == sizeof(rp_plugin_descriptor));
  CHECK(strcmp(api->library_version, RP_VERSION) == 0);
  CHECK(api->add(40, 2) == 42);
  CHECK_STATUS(api->user_manager_new_demo(&manager), RP_OK);
  CHECK_STATUS(api->user_manager_get_user(manager, rp_cstr("marie"), rp_cstr(""), &user), RP_OK);
  CHECK(user != NULL && str_eq(user->mail, "marie@cesnet.cz"));
  CHECK(api->user_manager_user_count(manager) == 4);
  api->user_manager_free(manager);

  CHECK_STATUS(rp_plugin_check_descriptor(NULL), RP_INVALID_ARGUMENT);
  copy = *api;
  copy.abi_version_major = RP_ABI_VERSION_MAJOR + 1;
  CHECK_STATUS(rp_plugin_check_descriptor(&copy), RP_ABI_MISMATCH);
  copy = *api;
  copy.abi_version_minor = RP_ABI_VERSION_MINOR + 1; /* a newer minor is compatible */
  CHECK_STATUS(rp_plugin_check_descriptor(&copy), RP_OK);
  copy = *api;
  copy.struct_size = sizeof(rp_plugin_descriptor) - sizeof(void *);
  CHECK_STATUS(rp_plugin_check_descriptor(&copy), RP_ABI_MISMATCH);
}

static void test_create(const char *demo_path, const char *scratch_dir) {
  rp_user_manager *manager = NULL;
  rp_user_manager *untouched = (rp_user_manager *)&sentinel_user;
  char path[4096];
  FILE *file;
  const char *corrupt = "[{\"id\": {\"opaque_id\": \"x\"}, \"username\": ";

  CHECK_STATUS(rp_user_manager_new_demo(&manager), RP_OK);
  CHECK(rp_user_manager_user_count(manager) == 4);
  rp_user_manager_free(manager);
  manager = untouched;
  CHECK_STATUS(rp_user_manager_new_demo(NULL), RP_INVALID_ARGUMENT);
  CHECK(message_contains("`out` is NULL"));

  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(demo_path), &manager), RP_OK);
  CHECK(rp_user_manager_user_count(manager) == 4);
  rp_user_manager_free(manager);
  manager = untouched;

  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr("/nonexistent/users.json"), &manager), RP_IO);
  CHECK(message_contains("/nonexistent/users.json") && message_contains("No such file"));
  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(scratch_dir), &manager), RP_NOT_A_FILE);
  CHECK(message_contains("it is a directory, not a regular file"));
  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr("/dev/zero"), &manager), RP_NOT_A_FILE);
  CHECK_STATUS(rp_user_manager_new_from_file_limited(rp_cstr(demo_path), 10, &manager), RP_TOO_LARGE);
  CHECK(message_contains("over the limit of 10 bytes"));
  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(""), &manager), RP_IO);
  CHECK_STATUS(rp_user_manager_new_from_file(bytes(NULL, 5), &manager), RP_INVALID_ARGUMENT);
  CHECK(message_contains("`path` is NULL with a length of 5"));
  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(demo_path), NULL), RP_INVALID_ARGUMENT);

  snprintf(path, sizeof path, "%s/corrupt.json", scratch_dir);
  file = fopen(path, "w");
  CHECK(file != NULL);
  if (file != NULL) {
    fputs(corrupt, file);
    fclose(file);
    CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(path), &manager), RP_PARSE);
    CHECK(message_contains("EOF while parsing"));
  }

  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr(corrupt), &manager), RP_PARSE);
  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr("{\"users\": []}"), &manager), RP_PARSE);
  CHECK(message_contains("invalid type"));
  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr("[{\"mail\": \"\xff\"}]"), &manager), RP_PARSE);
  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr(""), &manager), RP_PARSE);
  CHECK_STATUS(rp_user_manager_new_from_json(bytes(NULL, 0), &manager), RP_PARSE);
  CHECK_STATUS(rp_user_manager_new_from_json(bytes(NULL, 9), &manager), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr("[{\"opaque\": {\"map\": {\"uid\": "
                                                     "{\"decoder\": \"plain\", \"value\": \"!!\"}}}}]"),
                                             &manager),
               RP_PARSE);
  CHECK(message_contains("user 0: opaque.map.uid.value is not base64"));
  CHECK(manager == untouched);

  CHECK_STATUS(rp_user_manager_new_from_json(rp_cstr("[]"), &manager), RP_OK);
  CHECK(rp_user_manager_user_count(manager) == 0);
  rp_user_manager_free(manager);

  rp_user_manager_free(NULL);
  CHECK(rp_user_manager_user_count(NULL) == 0);
}

static void test_get_user(const rp_user_manager *manager) {
  const rp_user *user = UNTOUCHED;
  char *long_string;
  const size_t long_length = 1 << 20;

  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr(EINSTEIN_ID), rp_cstr("cernbox.cern.ch"), &user),
               RP_OK);
  CHECK(str_eq(user->username, "einstein") && str_eq(user->mail, "einstein@cern.ch"));
  CHECK(str_eq(user->display_name, "Albert Einstein") && str_eq(user->idp, "cernbox.cern.ch"));
  CHECK(str_eq(user->opaque_id, EINSTEIN_ID));
  CHECK(str_eq(user->uid, "123") && str_eq(user->gid, "987"));
  CHECK(user->groups.len == 3 && str_eq(user->groups.ptr[2], "physics-lovers"));

  user = UNTOUCHED;
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("richard"), rp_cstr(""), &user), RP_OK);
  CHECK(str_eq(user->uid, "246") && str_eq(user->gid, "135"));
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("test"), rp_cstr("example.com"), &user), RP_OK);
  CHECK(str_eq(user->display_name, "Test Testman"));

  user = UNTOUCHED;
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr(EINSTEIN_ID), rp_cstr("cesnet.cz"), &user),
               RP_NOT_FOUND);
  CHECK(message_contains("\"" EINSTEIN_ID "\"") && message_contains("\"cesnet.cz\""));
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("Einstein"), rp_cstr(""), &user), RP_NOT_FOUND);
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr(""), rp_cstr(""), &user), RP_NOT_FOUND);
  CHECK_STATUS(rp_user_manager_get_user(manager, bytes(NULL, 0), bytes(NULL, 0), &user), RP_NOT_FOUND);
  CHECK_STATUS(rp_user_manager_get_user(NULL, rp_cstr("einstein"), rp_cstr(""), &user),
               RP_INVALID_ARGUMENT);
  CHECK(message_contains("`manager` is NULL"));
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("einstein"), rp_cstr(""), NULL),
               RP_INVALID_ARGUMENT);
  CHECK(message_contains("`user` is NULL"));
  CHECK_STATUS(rp_user_manager_get_user(manager, bytes(NULL, 8), rp_cstr(""), &user),
               RP_INVALID_ARGUMENT);
  CHECK(message_contains("`opaque_id` is NULL with a length of 8"));
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("ein\xc3\x28stein"), rp_cstr(""), &user),
               RP_INVALID_UTF8);
  CHECK(message_contains("`opaque_id`") && message_contains("offset 3"));
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr("einstein"), rp_cstr("\xff"), &user),
               RP_INVALID_UTF8);
  CHECK(message_contains("`idp`"));
  /* An embedded NUL is an ordinary byte: "einstein\0" is not "einstein". */
  CHECK_STATUS(rp_user_manager_get_user(manager, bytes("einstein", 9), rp_cstr(""), &user), RP_NOT_FOUND);

  long_string = malloc(long_length);
  CHECK(long_string != NULL);
  if (long_string != NULL) {
    memset(long_string, 'x', long_length);
    CHECK_STATUS(rp_user_manager_get_user(manager, bytes(long_string, long_length), rp_cstr(""), &user),
                 RP_NOT_FOUND);
    CHECK(strlen(rp_last_error_message()) < 512);
    free(long_string);
  }
  CHECK(user == UNTOUCHED);
}

static void test_get_user_by_claim(const rp_user_manager *manager) {
  const rp_user *user = UNTOUCHED;

  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("mail"), rp_cstr("einstein@cern.ch"), &user),
               RP_OK);
  CHECK(str_eq(user->username, "einstein"));
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("username"), rp_cstr("marie"), &user), RP_OK);
  CHECK(str_eq(user->mail, "marie@cesnet.cz"));
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("uid"), rp_cstr("468"), &user), RP_OK);
  CHECK(str_eq(user->username, "test"));

  user = UNTOUCHED;
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("phone"), rp_cstr("123"), &user),
               RP_UNKNOWN_CLAIM);
  CHECK(message_contains("unknown claim \"phone\"") && message_contains("\"mail\""));
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr(""), rp_cstr("x"), &user), RP_UNKNOWN_CLAIM);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("MAIL"), rp_cstr("einstein@cern.ch"), &user),
               RP_UNKNOWN_CLAIM);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("gid"), rp_cstr("987"), &user),
               RP_UNKNOWN_CLAIM);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("mail"), rp_cstr("EINSTEIN@cern.ch"), &user),
               RP_NOT_FOUND);
  CHECK(message_contains("EINSTEIN@cern.ch"));
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("uid"), rp_cstr("987"), &user), RP_NOT_FOUND);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("ma\xe9l"), rp_cstr("x"), &user),
               RP_INVALID_UTF8);
  CHECK(message_contains("`claim`"));
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("mail"), rp_cstr("\xc0\xaf"), &user),
               RP_INVALID_UTF8);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(NULL, rp_cstr("mail"), rp_cstr("x"), &user),
               RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, bytes(NULL, 4), rp_cstr("x"), &user),
               RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("mail"), rp_cstr("x"), NULL),
               RP_INVALID_ARGUMENT);
  CHECK(user == UNTOUCHED);
}

static void test_get_user_groups(const rp_user_manager *manager) {
  rp_str_list groups;
  rp_str_list untouched;

  CHECK_STATUS(rp_user_manager_get_user_groups(manager, rp_cstr(EINSTEIN_ID), rp_cstr("cernbox.cern.ch"), &groups),
               RP_OK);
  CHECK(groups.len == 3);
  if (groups.len == 3) {
    CHECK(str_eq(groups.ptr[0], "sailing-lovers") && str_eq(groups.ptr[1], "violin-haters"));
    CHECK(str_eq(groups.ptr[2], "physics-lovers"));
  }
  CHECK_STATUS(rp_user_manager_get_user_groups(manager, rp_cstr("marie"), rp_cstr(""), &groups), RP_OK);
  CHECK(groups.len == 3 && str_eq(groups.ptr[0], "radium-lovers"));

  untouched.ptr = NULL;
  untouched.len = 12345;
  groups = untouched;
  CHECK_STATUS(rp_user_manager_get_user_groups(manager, rp_cstr("nobody"), rp_cstr(""), &groups), RP_NOT_FOUND);
  CHECK_STATUS(rp_user_manager_get_user_groups(manager, rp_cstr("\xff"), rp_cstr(""), &groups), RP_INVALID_UTF8);
  CHECK_STATUS(rp_user_manager_get_user_groups(NULL, rp_cstr("marie"), rp_cstr(""), &groups),
               RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_get_user_groups(manager, rp_cstr("marie"), rp_cstr(""), NULL),
               RP_INVALID_ARGUMENT);
  CHECK(message_contains("`groups` is NULL"));
  CHECK(groups.ptr == NULL && groups.len == 12345);
}

static void test_find_users(const rp_user_manager *manager) {
  const rp_user *found[4] = {UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED};
  const rp_user *one[1] = {UNTOUCHED};
  size_t count = 99;

  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("einstein"), found, 4, &count), RP_OK);
  CHECK(count == 1 && str_eq(found[0]->username, "einstein") && found[1] == UNTOUCHED);
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("CURIE"), found, 4, &count), RP_OK);
  CHECK(count == 1 && str_eq(found[0]->username, "marie"));
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("932b45"), found, 4, &count), RP_OK);
  CHECK(count == 2 && str_eq(found[0]->username, "richard") && str_eq(found[1]->username, "test"));
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr(""), found, 4, &count), RP_OK);
  CHECK(count == 4 && str_eq(found[3]->username, "test"));
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("nobody"), found, 4, &count), RP_OK);
  CHECK(count == 0);
  /* Groups are not searched, as in reva. */
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("physics"), found, 4, &count), RP_OK);
  CHECK(count == 0);

  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr(""), one, 1, &count), RP_BUFFER_TOO_SMALL);
  CHECK(count == 4 && str_eq(one[0]->username, "einstein"));
  CHECK(message_contains("4 entries needed"));
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("example"), NULL, 0, &count), RP_BUFFER_TOO_SMALL);
  CHECK(count == 2);
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("nobody"), NULL, 0, &count), RP_OK);
  CHECK(count == 0);

  count = 99;
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("x"), NULL, 3, &count), RP_INVALID_ARGUMENT);
  CHECK(message_contains("`users` is NULL with a capacity of 3"));
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("x"), found, SIZE_MAX, &count), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("x"), found, 4, NULL), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_find_users(NULL, rp_cstr("x"), found, 4, &count), RP_INVALID_ARGUMENT);
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("\xe2\x82"), found, 4, &count), RP_INVALID_UTF8);
  CHECK_STATUS(rp_user_manager_find_users(manager, bytes(NULL, 1), found, 4, &count), RP_INVALID_ARGUMENT);
  CHECK(count == 99);
}

static void test_generated_data(const char *generated_path) {
  rp_user_manager *manager = NULL;
  const rp_user *user = NULL;
  const rp_user *found[2];
  size_t count = 0;

  CHECK_STATUS(rp_user_manager_new_from_file(rp_cstr(generated_path), &manager), RP_OK);
  if (manager == NULL) return;
  CHECK(rp_user_manager_user_count(manager) == 1000);
  CHECK_STATUS(rp_user_manager_get_user(manager, rp_cstr(EINSTEIN_ID), rp_cstr("cernbox.cern.ch"), &user), RP_OK);
  CHECK_STATUS(rp_user_manager_get_user_by_claim(manager, rp_cstr("uid"), rp_cstr("10000"), &user), RP_OK);
  CHECK_STATUS(rp_user_manager_find_users(manager, rp_cstr("einstein"), found, 2, &count), RP_OK);
  CHECK(count == 1);
  rp_user_manager_free(manager);
}

#define THREADS 4
#define QUERIES_PER_THREAD 20000

/* Each thread queries the shared manager and checks every answer; returns the number of wrong ones. */
static void *query_concurrently(void *shared) {
  const rp_user_manager *manager = shared;
  const rp_user *user = NULL;
  size_t wrong = 0;
  int i;
  for (i = 0; i < QUERIES_PER_THREAD; i++) {
    if (rp_user_manager_get_user(manager, rp_cstr("marie"), rp_cstr(""), &user) != RP_OK ||
        !str_eq(user->mail, "marie@cesnet.cz")) {
      wrong++;
    }
    if (rp_user_manager_get_user_by_claim(manager, rp_cstr("phone"), rp_cstr(""), &user) != RP_UNKNOWN_CLAIM ||
        strstr(rp_last_error_message(), "\"phone\"") == NULL) {
      wrong++;
    }
  }
  return (void *)wrong;
}

static void test_threads(const rp_user_manager *manager) {
  pthread_t threads[THREADS];
  void *wrong;
  int i;
  for (i = 0; i < THREADS; i++) {
    CHECK(pthread_create(&threads[i], NULL, query_concurrently, (void *)manager) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    CHECK(pthread_join(threads[i], &wrong) == 0 && wrong == NULL);
  }
}

/* The batch: every key answered in one call, as rp_user_manager_get_user would; NULL for none. */
static void test_get_users(const rp_user_manager *manager) {
  /* "marie", EINSTEIN_ID, "nobody", "" and "richard", packed back to back. */
  static const char keys[] = "marie" EINSTEIN_ID "nobodyrichard";
  static const size_t ends[] = {5, 41, 47, 47, 54};
  const rp_user *table = rp_user_manager_users(manager);
  const rp_user *users[5];
  rp_str_pack pack;
  size_t i;

  pack.bytes = keys;
  pack.ends = ends;
  pack.len = 5;
  for (i = 0; i < 5; i++) users[i] = UNTOUCHED;
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), users), RP_OK);
  CHECK(users[0] == &table[1] && users[1] == &table[0] && users[2] == NULL && users[3] == NULL &&
        users[4] == &table[2]);
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr("nowhere"), users), RP_OK);
  for (i = 0; i < 5; i++) CHECK(users[i] == NULL);

  pack.len = 0;
  pack.ends = NULL;
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), NULL), RP_OK);
  pack.len = 2;
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), users), RP_INVALID_ARGUMENT);
  CHECK(message_contains("`opaque_ids`"));
  pack.ends = ends;
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), NULL), RP_INVALID_ARGUMENT);
  CHECK(message_contains("`users` is NULL"));
  pack.bytes = "marie\xff";
  pack.ends = ends;
  pack.len = 1;
  CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), users), RP_OK);
  {
    static const size_t bad_ends[] = {6};
    pack.ends = bad_ends;
    CHECK_STATUS(rp_user_manager_get_users(manager, pack, rp_cstr(""), users), RP_INVALID_UTF8);
  }
}

int main(int argc, char **argv) {
  rp_user_manager *manager = NULL;

  if (argc != 4) {
    fprintf(stderr, "usage: %s DEMO_USERS.json GENERATED_USERS.json SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  test_add_and_versions();
  test_descriptor();
  test_create(argv[1], argv[3]);
  CHECK_STATUS(rp_user_manager_new_demo(&manager), RP_OK);
  if (manager != NULL) {
    test_get_user(manager);
    test_get_user_by_claim(manager);
    test_get_user_groups(manager);
    test_find_users(manager);
    test_get_users(manager);
    test_threads(manager);
    rp_user_manager_free(manager);
  }
  test_generated_data(argv[2]);
  return check_report("test_api");
}
