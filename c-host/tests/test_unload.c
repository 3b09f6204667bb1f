/*
 * test_unload: dlopen, use, dlclose the plugin 100 times, and check in /proc/self/maps that the
 * library is mapped while open and gone after every close. Each round also makes a failing call,
 * on this thread and on a short-lived one, so the per-thread error buffer is used: a Rust
 * thread-local with a destructor would pin the library here.
 *
 * usage: test_unload PATH/TO/librustplugin.so
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rp_loader.h"

#define ROUNDS 100

static char library_path[PATH_MAX];

/* Uses the plugin as a host would, including calls that fail; returns the number of wrong answers. */
static size_t use_plugin(const rp_plugin_descriptor *api) {
  rp_user_manager *manager = NULL;
  const rp_user *user = NULL;
  const rp_user *found[4];
  size_t count = 0;
  size_t wrong = 0;
  wrong += api->add(1, 2) != 3;
  wrong += api->user_manager_new_demo(&manager) != RP_OK;
  wrong += api->user_manager_get_user(manager, rp_cstr("einstein"), rp_cstr(""), &user) != RP_OK;
  wrong += api->user_manager_get_user_by_claim(manager, rp_cstr("phone"), rp_cstr("1"), &user) != RP_UNKNOWN_CLAIM;
  wrong += strstr(api->last_error_message(), "phone") == NULL;
  wrong += api->user_manager_find_users(manager, rp_cstr("e"), found, 1, &count) != RP_BUFFER_TOO_SMALL;
  wrong += api->user_manager_new_from_file(rp_cstr("/nonexistent.json"), &manager) != RP_IO;
  api->user_manager_free(manager);
  return wrong;
}

static void *use_plugin_on_thread(void *api) {
  return (void *)use_plugin(api);
}

int main(int argc, char **argv) {
  rp_plugin_handle plugin;
  char error[512];
  pthread_t thread;
  void *wrong_on_thread = NULL;
  int round;
  int pinned_rounds = 0;

  if (argc != 2 || realpath(argv[1], library_path) == NULL) {
    fprintf(stderr, "usage: %s PATH/TO/librustplugin.so (an existing file)\n", argv[0]);
    return 2;
  }
  CHECK(path_is_mapped(library_path) == 0);
  for (round = 0; round < ROUNDS; round++) {
    if (rp_plugin_open(library_path, &plugin, error, sizeof error) != RP_OK) {
      fprintf(stderr, "round %d: %s\n", round, error);
      checks_failed++;
      break;
    }
    CHECK(path_is_mapped(library_path) == 1);
    CHECK(use_plugin(plugin.api) == 0);
    CHECK(pthread_create(&thread, NULL, use_plugin_on_thread, (void *)plugin.api) == 0);
    CHECK(pthread_join(thread, &wrong_on_thread) == 0 && wrong_on_thread == NULL);
    rp_plugin_close(&plugin);
    if (path_is_mapped(library_path) != 0) {
      pinned_rounds++;
      fprintf(stderr, "round %d: %s is still mapped after dlclose\n", round, library_path);
    }
  }
  CHECK(pinned_rounds == 0);
  printf("test_unload: %d rounds of dlopen/use/dlclose, library mapped after close in %d\n", round,
         pinned_rounds);
  return check_report("test_unload");
}
